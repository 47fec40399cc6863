"""The certification pages: the manager's list, verification queue and decisions, the definitions
page, the evidence download, the partner page's panel; the partner's list with expiry badges and
its record form with errors next to the fields; flat query counts."""

from datetime import timedelta

import pytest
from django.test import Client

from partners.reference import reference
from programs.certifications.models import Certification, CertificationDefinition
from programs.certifications.services import certification_reject
from tests.factories import UserFactory
from tests.notifications.helpers import partner_login
from tests.partners.factories import ContactFactory, PartnerFactory
from tests.programs.certifications.helpers import PDF, days_ago, definition, pdf, record, verified

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- manager -------------------------------------------------------------------------------


def test_the_list_filters_and_links_each_certification(alpha, bravo, owner):
    # given
    ada = ContactFactory(partner=alpha, name="Ada Lovelace")
    mine = verified(alpha, by=owner, contact=ada)
    theirs = record(bravo, of=definition("Payments security", "financial-services"))
    client = _client(owner)
    # when
    everything = client.get("/certifications/").content.decode()
    healthcare = client.get("/certifications/?vertical=healthcare").content.decode()
    searched = client.get("/certifications/?search=lovelace").content.decode()
    # then
    assert f'href="/certifications/{mine.pk}/"' in everything and f'href="/certifications/{theirs.pk}/"' in everything
    assert f'href="/certifications/{theirs.pk}/"' not in healthcare
    assert "Ada Lovelace" in searched and f'href="/certifications/{theirs.pk}/"' not in searched


def test_a_bad_filter_is_shown_next_to_it_not_a_500(owner):
    response = _client(owner).get("/certifications/?expires_before=someday")
    assert response.status_code == 400
    assert 'id="id_expires_before_error"' in response.content.decode()


def test_an_empty_list_says_where_certifications_come_from(owner):
    assert "No certifications recorded yet" in _client(owner).get("/certifications/").content.decode()


@pytest.mark.parametrize("rows", [1, 20])
def test_the_list_query_count_is_flat(owner, django_assert_max_num_queries, rows):
    # given
    for _ in range(rows):
        record(PartnerFactory(status="active"))
    reference()
    client = _client(owner)
    # when: session, user, the bounded count, the page with partner, contact and definition joined
    with django_assert_max_num_queries(4):
        response = client.get("/certifications/?state=pending&vertical=healthcare&ordering=expires_on")
    # then
    assert response.status_code == 200
    assert response.content.decode().count('<a class="fw-semibold" href="/certifications/') == rows


def test_the_queue_lists_what_waits_oldest_first_with_its_count(alpha, bravo, owner):
    # given: two waiting (Bravo's first), one decided
    first, second = record(bravo), record(alpha)
    verified(alpha, by=owner)
    # when
    body = _client(owner).get("/certifications/queue/").content.decode()
    # then
    assert body.index(f'href="/certifications/{first.pk}/"') < body.index(f'href="/certifications/{second.pk}/"')
    assert body.count('<a class="fw-semibold" href="/certifications/') == 2
    assert '<span class="badge text-bg-warning align-middle fs-6">2<span class="visually-hidden"> waiting' in body
    badge = _client(owner).get("/certifications/queue/badge/").content.decode()
    assert ">2<" in badge


@pytest.mark.parametrize("rows", [1, 20])
def test_the_queue_query_count_is_flat(owner, django_assert_max_num_queries, rows):
    for _ in range(rows):
        record(PartnerFactory(status="active", owner=owner))
    client = _client(owner)
    # when: session, user, the user's groups and permissions (who may decide), the bounded count, the page
    with django_assert_max_num_queries(6):
        response = client.get("/certifications/queue/")
    assert response.content.decode().count("Reject…<span") == rows


def test_the_owner_verifies_from_the_queue_and_returns_to_it(alpha, owner):
    # given
    certification = record(alpha)
    # when
    response = _client(owner).post(f"/certifications/{certification.pk}/verify/", {"next": "/certifications/queue/"})
    # then
    assert (response.status_code, response["Location"]) == (302, "/certifications/queue/")
    certification.refresh_from_db()
    assert certification.state == "verified"


def test_a_rejection_without_a_reason_shows_the_error_next_to_it(alpha, owner):
    # given
    certification = record(alpha)
    client = _client(owner)
    # when
    refused = client.post(f"/certifications/{certification.pk}/reject/", {"reason": ""})
    done = client.post(f"/certifications/{certification.pk}/reject/", {"reason": "Blurry scan"})
    # then
    assert refused.status_code == 400
    assert 'id="id_reason_error"' in refused.content.decode()
    assert done.status_code == 302
    certification.refresh_from_db()
    assert (certification.state, certification.rejection_reason) == ("rejected", "Blurry scan")


def test_another_manager_sees_no_decision_buttons_and_cannot_decide(alpha):
    # given
    certification = record(alpha)
    client = _client(UserFactory(role="manager"))
    # when
    page = client.get(f"/certifications/{certification.pk}/").content.decode()
    client.post(f"/certifications/{certification.pk}/verify/")
    # then
    assert f'action="/certifications/{certification.pk}/verify/"' not in page
    certification.refresh_from_db()
    assert certification.state == "pending"


def test_the_evidence_downloads_for_staff_and_its_own_partner_only(alpha, bravo, owner):
    # given
    certification = record(alpha, evidence=pdf())
    # when
    staff = _client(owner).get(f"/certifications/{certification.pk}/evidence/")
    own = _client(partner_login(alpha)).get(f"/certifications/{certification.pk}/evidence/")
    other = _client(partner_login(bravo)).get(f"/certifications/{certification.pk}/evidence/")
    # then
    assert b"".join(staff.streaming_content) == PDF
    assert staff["Content-Type"] == "application/pdf"
    assert own.status_code == 200
    assert other.status_code == 404


def test_an_administrator_adds_and_edits_definitions_with_errors_next_to_fields(admin_user):
    client = _client(admin_user)
    # when: a bad one, then a good one, then an edit
    bad = client.post("/certifications/definitions/", {"name": "", "vertical": "astrology", "validity_months": "200"})
    good = client.post(
        "/certifications/definitions/",
        {"name": "Clinical", "vertical": "healthcare", "validity_months": "24", "is_active": "on"},
    )
    clinical = CertificationDefinition.objects.get(name="Clinical")
    edited = client.post(
        f"/certifications/definitions/{clinical.pk}/",
        {"name": "Clinical integration", "vertical": "healthcare", "validity_months": "36"},
    )
    # then
    body = bad.content.decode()
    assert bad.status_code == 400
    for field in ("name", "vertical", "validity_months"):
        assert f'id="id_{field}_error"' in body
    assert good.status_code == edited.status_code == 302
    clinical.refresh_from_db()
    assert (clinical.name, clinical.validity_months, clinical.is_active) == ("Clinical integration", 36, False)


def test_a_manager_reads_the_definitions_but_changes_none(owner):
    # given
    clinical = definition()
    client = _client(owner)
    # when
    page = client.get("/certifications/definitions/").content.decode()
    posted = client.post("/certifications/definitions/", {"name": "X", "vertical": "healthcare", "validity_months": 1})
    edit = client.get(f"/certifications/definitions/{clinical.pk}/")
    # then
    assert "Clinical integration" in page and "<form" not in page.split("</nav>", 1)[1]
    assert posted.status_code == 404
    assert edit.status_code == 404
    assert CertificationDefinition.objects.count() == 1


def test_the_partner_page_shows_certified_contacts_per_vertical(alpha, owner):
    # given: two certified in healthcare (one expiring soon), one waiting; one rejected in retail
    verified(alpha, by=owner)
    verified(alpha, by=owner, earned_on=days_ago(300), expires_on=days_ago(-10))
    record(alpha)
    refused = record(alpha, of=definition("Store systems", "retail"))
    certification_reject(certification_id=refused.pk, actor=owner, reason="No")
    # when
    body = _client(owner).get(f"/partners/{alpha.pk}/").content.decode()
    # then
    panel = body.split('id="certifications-panel"', 1)[1].split("</section>", 1)[0]
    assert "Healthcare" in panel and "Retail" not in panel
    row = panel.split("Healthcare", 1)[1].split("</tr>", 1)[0]
    assert '<td class="text-end fw-semibold">2</td>' in row
    assert row.count('<span class="badge text-bg-warning">1</span>') == 2  # one waiting, one expiring


# --- partner -------------------------------------------------------------------------------


def test_the_partner_list_shows_its_own_with_expiry_badges(alpha, bravo, owner):
    # given
    verified(alpha, by=owner, contact=ContactFactory(partner=alpha, name="Ada"), earned_on=days_ago(300),
             expires_on=days_ago(-10))  # fmt: skip
    record(alpha, contact=ContactFactory(partner=alpha, name="Grace"), earned_on=days_ago(900),
           expires_on=days_ago(5))  # fmt: skip
    record(bravo, contact=ContactFactory(partner=bravo, name="Secret Bob"))
    # when
    body = _client(partner_login(alpha)).get("/partner/certifications/").content.decode()
    # then
    assert "Ada" in body and "Grace" in body and "Secret Bob" not in body
    assert f"Expires {(days_ago(-10)).strftime('%-d %b %Y')}" in body
    assert '<span class="badge text-wrap text-bg-danger">Expired' in body


def test_an_empty_partner_list_invites_to_record(alpha):
    body = _client(partner_login(alpha)).get("/partner/certifications/").content.decode()
    assert "No certifications recorded yet" in body
    assert 'href="/partner/certifications/new/"' in body


@pytest.mark.parametrize("rows", [1, 20])
def test_the_partner_list_query_count_is_flat(alpha, django_assert_max_num_queries, rows):
    for _ in range(rows):
        record(alpha)
    reference()  # the verticals come from the cache, warm in production
    client = _client(partner_login(alpha))
    # when: session, user, membership, the organisation, the agreement gate, the bounded count, the
    # coverage per vertical, the page
    with django_assert_max_num_queries(8):
        response = client.get("/partner/certifications/?state=pending")
    assert response.status_code == 200
    assert response.content.decode().count("Waiting for verification</span>") == rows


def test_a_partner_member_records_a_certification_with_its_certificate(alpha):
    # given
    ada = ContactFactory(partner=alpha, name="Ada")
    clinical = definition()
    client = _client(partner_login(alpha))
    form = client.get("/partner/certifications/new/").content.decode()
    # when
    response = client.post(
        "/partner/certifications/new/",
        {"contact": ada.pk, "definition": clinical.pk, "earned_on": days_ago(5).isoformat(), "evidence": pdf()},
    )
    # then
    assert 'enctype="multipart/form-data"' in form and "Ada" in form and "Clinical integration" in form
    assert (response.status_code, response["Location"]) == (302, "/partner/certifications/")
    certification = Certification.objects.get()
    assert (certification.contact, certification.state, bool(certification.evidence)) == (ada, "pending", True)


def test_the_record_form_shows_each_error_next_to_its_field(alpha, bravo):
    # given: another organisation's contact, a date in the future, a file that is not a PDF
    client = _client(partner_login(alpha))
    stranger = ContactFactory(partner=bravo, name="Secret Bob")
    ContactFactory(partner=alpha)
    # when
    response = client.post(
        "/partner/certifications/new/",
        {"contact": stranger.pk, "definition": definition().pk,
         "earned_on": (days_ago(0) + timedelta(days=2)).isoformat(), "evidence": pdf("x.pdf", b"not a pdf")},
    )  # fmt: skip
    body = response.content.decode()
    # then: the form refuses a contact it did not offer; the service the date and the file
    assert response.status_code == 400
    assert 'id="id_contact_error"' in body
    assert "Secret Bob" not in body
    assert not Certification.objects.exists()
    # when: with one of its own contacts, the service's errors come next to their fields
    own = ContactFactory(partner=alpha)
    response = client.post(
        "/partner/certifications/new/",
        {"contact": own.pk, "definition": definition().pk,
         "earned_on": (days_ago(0) + timedelta(days=2)).isoformat(), "evidence": pdf("x.pdf", b"not a pdf")},
    )  # fmt: skip
    body = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_earned_on_error"' in body and "The date earned is in the future." in body
    assert 'id="id_evidence_error"' in body and "The file&#x27;s content is not a PDF file." in body


def test_the_admin_site_adds_a_definition_through_the_service(admin_user):
    # given
    client = _client(admin_user)
    # when: a name taken in another case, then a new one
    taken = definition("Clinical integration")
    refused = client.post(
        "/admin/programs/certificationdefinition/add/",
        {"name": "CLINICAL INTEGRATION", "vertical": "healthcare", "validity_months": 24, "is_active": "on"},
    )
    added = client.post(
        "/admin/programs/certificationdefinition/add/",
        {"name": "Payments security", "vertical": "financial-services", "validity_months": 36, "is_active": "on"},
    )
    # then
    assert refused.status_code == 200 and "A certification with this name exists already." in refused.content.decode()
    assert added.status_code == 302
    assert list(CertificationDefinition.objects.exclude(pk=taken.pk).values_list("name", "validity_months")) == [
        ("Payments security", 36)
    ]
