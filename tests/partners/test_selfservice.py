"""The partner self-service portal at /partner/: a partner's login sees and changes its own
organisation only, within its role."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone

from partners.models import Activity, Contact, Partner, PartnerUser
from partners.records.models import PartnerDocument, ReportedMetric
from partners.selfservice.home import home
from programs.strategies.models import Outcome, Strategy
from tests.factories import UserFactory
from tests.partners.factories import ActivityFactory, ContactFactory, PartnerFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
OTHER = "Quetzal-Brisket"  # appears only in partner B's data
PAGES = ["/partner/", "/partner/profile/", "/partner/contacts/", "/partner/documents/", "/partner/metrics/",
         "/partner/timeline/"]  # fmt: skip


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _login(partner, role="partner_admin"):
    user = UserFactory(is_staff=False)
    PartnerUser.objects.create(user=user, partner=partner, role=role)
    return user


def _outcome(partner, title, audience="partner", state="open"):
    strategy = Strategy.objects.get(partner_type=partner.type)
    return Outcome.objects.create(
        partner=partner, strategy=strategy, version=strategy.current_version, rule_kind="inactivity",
        kind="task", title=title, explanation="Because.", dedupe_key=title, audience=audience, state=state,
    )  # fmt: skip


@pytest.fixture
def manager_owner():
    return UserFactory(first_name="Petra", last_name="Owens", email="petra@vendor.example", username="petra@v.example")


@pytest.fixture
def alpha(manager_owner):
    return PartnerFactory(name="Alpha Widgets", type="business", owner=manager_owner, legal_name="Alpha GmbH")


@pytest.fixture
def bravo():
    partner = PartnerFactory(name=f"Bravo {OTHER}", type="business")
    ContactFactory(partner=partner, name=f"Ines {OTHER}")
    ActivityFactory(partner=partner, message=f"Met {OTHER}")
    soon = timezone.localdate() + timedelta(days=5)
    PartnerDocument.objects.create(partner=partner, kind="kyc", title=f"KYC {OTHER}", file="x.pdf", expires_on=soon)
    ReportedMetric.objects.create(
        partner=partner, key="csat_other", period_start=soon, period_end=soon, value=3, source=OTHER
    )
    _outcome(partner, f"Send {OTHER}")
    return partner


@pytest.fixture
def alpha_data(alpha):
    today = timezone.localdate()
    ContactFactory(partner=alpha, name="Anna Primary", role="primary")
    ActivityFactory(partner=alpha, message="Kick-off call held")
    PartnerDocument.objects.create(
        partner=alpha, kind="insurance", title="Insurance 2026", file="a.pdf", expires_on=today + timedelta(days=30)
    )
    PartnerDocument.objects.create(
        partner=alpha, kind="nda", title="Old NDA", file="b.pdf", expires_on=today - timedelta(days=3)
    )
    PartnerDocument.objects.create(
        partner=alpha, kind="kyc", title="Fresh KYC", file="c.pdf", expires_on=today + timedelta(days=300)
    )
    ReportedMetric.objects.create(
        partner=alpha, key="sla_pct", period_start=today - timedelta(days=30), period_end=today, value="99.5000"
    )
    ReportedMetric.objects.create(
        partner=alpha, key="sla_pct", period_start=today - timedelta(days=800), period_end=today - timedelta(days=700),
        value="12.3400",
    )  # fmt: skip
    _outcome(alpha, "Upload your insurance certificate")
    _outcome(alpha, "Internal manager task", audience="manager")
    _outcome(alpha, "Finished request", state="done")
    return alpha


@pytest.mark.parametrize("path", PAGES)
def test_each_page_shows_the_own_organisation_and_nothing_of_another(client, alpha_data, bravo, path):
    # given
    client.force_login(_login(alpha_data))
    # when
    response = client.get(path)
    # then
    assert response.status_code == 200
    body = response.content.decode()
    assert "Alpha Widgets" in body
    assert OTHER not in body
    assert "/partner/contacts/" in body  # the partner navbar, not the staff one
    assert "/strategies/" not in body


def test_home_shows_manager_requests_documents_and_counts(client, alpha_data, bravo):
    # given
    client.force_login(_login(alpha_data))
    # when
    body = client.get("/partner/").content.decode()
    # then
    assert "Petra Owens" in body and "petra@vendor.example" in body
    assert "Upload your insurance certificate" in body
    assert "Internal manager task" not in body and "Finished request" not in body
    assert "Insurance 2026" in body and "Old NDA" in body
    assert "Fresh KYC" not in body  # not expiring within 60 days


def test_documents_show_expiry_badges_and_metrics_keep_the_last_year(client, alpha_data):
    # given
    client.force_login(_login(alpha_data))
    # when
    documents = client.get("/partner/documents/").content.decode()
    metrics = client.get("/partner/metrics/").content.decode()
    # then
    assert "Expired" in documents and "Expires" in documents and "Valid until" in documents
    assert "99.5" in metrics
    assert "12.34" not in metrics


def test_a_partner_admin_edits_the_profile_and_forged_fields_change_nothing(client, alpha, manager_owner):
    # given
    user = _login(alpha)
    client.force_login(user)
    before = Partner.objects.get(pk=alpha.pk)
    # when: the form's fields and the manager's fields, forged
    response = client.post(
        "/partner/profile/",
        {
            "name": "Alpha Widgets International", "legal_name": "Alpha AG", "website": "https://alpha.example",
            "description": "We make widgets.", "type": "financial", "status": "terminated", "owner": "",
            "engagement": "strategic", "regions": ["APAC"], "verticals": ["retail"], "slug": "hijacked",
        },
    )  # fmt: skip
    # then
    assert response.status_code == 302
    alpha.refresh_from_db()
    assert (alpha.name, alpha.legal_name, alpha.website, alpha.description) == (
        "Alpha Widgets International", "Alpha AG", "https://alpha.example", "We make widgets.",
    )  # fmt: skip
    assert (alpha.type, alpha.status, alpha.owner_id, alpha.engagement, alpha.regions, alpha.verticals, alpha.slug) == (
        before.type, before.status, manager_owner.pk, before.engagement, before.regions, before.verticals, before.slug,
    )  # fmt: skip
    assert Activity.objects.filter(partner=alpha, kind="updated", actor=user).exists()


def test_an_invalid_profile_shows_the_error_next_to_the_field(client, alpha):
    # given
    client.force_login(_login(alpha))
    # when
    response = client.post("/partner/profile/", {"name": "", "website": "not a url"})
    # then
    assert response.status_code == 400
    assert response.context["form"].errors.keys() >= {"name", "website"}
    assert 'id="id_website_error"' in response.content.decode()
    alpha.refresh_from_db()
    assert alpha.name == "Alpha Widgets"


def test_a_partner_admin_adds_edits_and_removes_a_contact(client, alpha):
    # given
    client.force_login(_login(alpha))
    # when
    added = client.post("/partner/contacts/new/", {"name": "Carl New", "email": "carl@alpha.example", "role": "sales"})
    contact = Contact.objects.get(partner=alpha, email="carl@alpha.example")
    edited = client.post(
        f"/partner/contacts/{contact.pk}/edit/", {"name": "Carl Newer", "email": contact.email, "role": "technical"}
    )
    contact.refresh_from_db()
    removed = client.post(f"/partner/contacts/{contact.pk}/remove/")
    # then
    assert (added.status_code, edited.status_code, removed.status_code) == (302, 302, 302)
    assert (contact.name, contact.role) == ("Carl Newer", "technical")
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_a_partner_admin_cannot_touch_another_partners_contact(client, alpha, bravo):
    # given
    client.force_login(_login(alpha))
    theirs = Contact.objects.get(partner=bravo)
    # when
    edit = client.post(f"/partner/contacts/{theirs.pk}/edit/", {"name": "Hacked", "email": "h@x.example"})
    remove = client.post(f"/partner/contacts/{theirs.pk}/remove/")
    # then
    assert (edit.status_code, remove.status_code) == (404, 404)
    assert Contact.objects.get(pk=theirs.pk).name == f"Ines {OTHER}"


def test_a_partner_member_reads_but_cannot_write(client, alpha):
    # given
    contact = ContactFactory(partner=alpha, name="Kept Contact")
    client.force_login(_login(alpha, role="partner_member"))
    upload = SimpleUploadedFile("a.pdf", PDF)
    # when
    reads = [client.get(path).status_code for path in PAGES]
    writes = [
        client.post("/partner/profile/", {"name": "Member Was Here"}).status_code,
        client.get("/partner/contacts/new/").status_code,
        client.post("/partner/contacts/new/", {"name": "X", "email": "x@alpha.example", "role": "sales"}).status_code,
        client.post(f"/partner/contacts/{contact.pk}/edit/", {"name": "Changed", "email": contact.email}).status_code,
        client.post(f"/partner/contacts/{contact.pk}/remove/").status_code,
        client.post("/partner/documents/upload/", {"kind": "kyc", "title": "T", "file": upload}).status_code,
    ]  # fmt: skip
    # then
    assert reads == [200] * len(PAGES)
    assert writes == [403] * len(writes)
    alpha.refresh_from_db()
    assert alpha.name == "Alpha Widgets"
    assert list(Contact.objects.filter(partner=alpha).values_list("name", flat=True)) == ["Kept Contact"]
    assert not PartnerDocument.objects.filter(partner=alpha).exists()


def test_staff_are_sent_to_the_manager_portal(client, manager):
    # given
    client.force_login(manager)
    # when
    response = client.get("/partner/contacts/")
    # then
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize("path", PAGES)
def test_a_login_without_an_organisation_gets_404(client, path):
    # given
    client.force_login(UserFactory(is_staff=False))
    # when / then
    assert client.get(path).status_code == 404


def test_a_terminated_organisations_login_gets_404_or_is_logged_out(client, rf):
    # given
    user = _login(PartnerFactory(status="terminated"))
    client.force_login(user)
    # when: through the whole stack (the authentication backend may end the session first)
    statuses = [client.get(path).status_code for path in PAGES]
    # then
    assert set(statuses) <= {302, 404}
    assert all(client.get(path).get("Location", "/accounts/login/").startswith("/accounts/login/") for path in PAGES)
    # and the portal's own guard answers 404 when it is reached
    request = rf.get("/partner/")
    request.user = user
    with pytest.raises(Http404):
        home(request)


def test_anonymous_visitors_are_asked_to_log_in(client):
    response = client.get("/partner/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_manager_dashboard_sends_a_partner_login_to_its_portal_and_strangers_get_404(client, alpha):
    # given
    client.force_login(_login(alpha))
    # when
    response = client.get("/")
    # then
    assert (response.status_code, response["Location"]) == (302, "/partner/")
    client.force_login(UserFactory(is_staff=False))
    assert client.get("/").status_code == 404


def test_after_log_in_a_partner_lands_on_its_portal_and_staff_on_the_dashboard(client, alpha, manager):
    # given
    user = _login(alpha)
    from allauth.account.models import EmailAddress

    assert EmailAddress.objects.filter(user=user, verified=True).exists()
    # when
    partner_login = client.post("/accounts/login/", {"login": user.email, "password": "correct-horse-battery"})
    client.logout()
    staff_login = client.post("/accounts/login/", {"login": manager.email, "password": "correct-horse-battery"})
    # then
    assert partner_login.status_code == 302 and partner_login["Location"] == "/partner/"
    assert staff_login.status_code == 302 and staff_login["Location"] == "/"


def test_a_document_upload_is_stored_and_a_wrong_type_is_refused_next_to_the_file(client, alpha, _media):
    # given
    client.force_login(_login(alpha))
    # when
    refused = client.post(
        "/partner/documents/upload/",
        {"kind": "kyc", "title": "Fake", "file": SimpleUploadedFile("evil.exe", b"MZ\x90\x00")},
    )
    stored = client.post(
        "/partner/documents/upload/",
        {"kind": "nda", "title": "Signed NDA", "file": SimpleUploadedFile("nda.pdf", PDF), "expires_on": "2030-01-01"},
    )
    # then
    assert refused.status_code == 400
    assert refused.context["form"].errors["file"] == ["Upload a PDF, PNG or JPEG file."]
    assert 'id="id_file_error"' in refused.content.decode()
    assert stored.status_code == 302
    assert list(PartnerDocument.objects.filter(partner=alpha).values_list("title", "expires_on")) == [
        ("Signed NDA", date(2030, 1, 1))
    ]
    assert len([path for path in _media.rglob("*") if path.is_file()]) == 1


@pytest.mark.parametrize("rows", [1, 20])
def test_the_contacts_page_query_count_is_flat(client, alpha, rows, django_assert_max_num_queries):
    # given
    ContactFactory.create_batch(rows, partner=alpha)
    client.force_login(_login(alpha))
    # when: session, user, organisation check, membership, its partner id, partner, contacts
    with django_assert_max_num_queries(7):
        response = client.get("/partner/contacts/")
    # then
    assert response.status_code == 200
    assert len(response.context["contacts"]) == rows
