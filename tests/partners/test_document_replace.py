"""Replacing a document: the partner portal's replace page, the lists that show only current
documents with their earlier versions, and two replacements racing for the same document."""

import threading
import time
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from partners.models import PartnerUser
from partners.records import services
from partners.records.models import PartnerDocument
from partners.records.selectors import partner_records
from prm.errors import Conflict
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _stored_files(media) -> list:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def _login(partner, role="partner_admin"):
    user = UserFactory(is_staff=False, first_name="Ada", last_name="Admin")
    PartnerUser.objects.create(user=user, partner=partner, role=role)
    return user


def _upload(partner, actor=None, **fields) -> PartnerDocument:
    values = {"kind": "insurance", "title": "Insurance 2025", "file": SimpleUploadedFile("i.pdf", PDF)}
    return services.document_add(partner_id=partner.pk, actor=actor, **{**values, **fields})


def _replace(document, actor=None, **fields) -> PartnerDocument:
    values = {"file": SimpleUploadedFile("i.pdf", PDF)}
    return services.document_replace(document_id=document.pk, actor=actor, **{**values, **fields})


@pytest.fixture
def alpha(db):
    return PartnerFactory(name="Alpha Widgets")


@pytest.fixture
def bravo(db):
    return PartnerFactory(name="Bravo Quetzal")


def _replace_url(document) -> str:
    return f"/partner/documents/{document.pk}/replace/"


# --- the replace page ---------------------------------------------------------------------


def test_the_replace_form_shows_the_document_and_prefills_its_title(client, alpha, _media):
    # given
    today = timezone.localdate()
    document = _upload(alpha, title="Liability cover", expires_on=today - timedelta(days=3))
    client.force_login(_login(alpha))
    # when
    response = client.get(_replace_url(document))
    # then
    assert response.status_code == 200
    body = response.content.decode()
    assert "Insurance certificate" in body and "Liability cover" in body and "Expired" in body
    assert response.context["form"]["title"].value() == "Liability cover"
    assert 'type="file"' in body and 'enctype="multipart/form-data"' in body


def test_a_partner_admin_replaces_a_document(client, alpha, _media):
    # given
    old = _upload(alpha, title="Insurance 2025")
    user = _login(alpha)
    client.force_login(user)
    # when
    response = client.post(
        _replace_url(old),
        {"file": SimpleUploadedFile("renewed.png", PNG), "title": "Insurance 2026", "expires_on": "2030-01-31"},
        follow=True,
    )
    # then
    assert response.redirect_chain == [("/partner/documents/", 302)]
    assert "“Insurance 2025” was replaced by “Insurance 2026”." in response.content.decode()
    old.refresh_from_db()
    new = old.replaced_by
    assert (new.kind, new.title, str(new.expires_on)) == ("insurance", "Insurance 2026", "2030-01-31")
    assert new.uploaded_by == user
    assert sorted(path.read_bytes() for path in _stored_files(_media)) == sorted([PDF, PNG])


def test_a_partner_member_gets_403_and_nothing_changes(client, alpha, _media):
    # given
    document = _upload(alpha)
    client.force_login(_login(alpha, role="partner_member"))
    # when
    shown = client.get(_replace_url(document))
    posted = client.post(_replace_url(document), {"file": SimpleUploadedFile("i.png", PNG)})
    listed = client.get("/partner/documents/").content.decode()
    # then
    assert (shown.status_code, posted.status_code) == (403, 403)
    assert list(PartnerDocument.objects.values_list("pk", "replaced_by")) == [(document.pk, None)]
    assert len(_stored_files(_media)) == 1
    assert _replace_url(document) not in listed


def test_another_organisations_or_an_unknown_document_is_404(client, alpha, bravo, _media):
    # given
    theirs = _upload(bravo, title="Quetzal cover")
    client.force_login(_login(alpha))
    # when
    responses = [
        client.get(_replace_url(theirs)),
        client.post(_replace_url(theirs), {"file": SimpleUploadedFile("i.png", PNG)}),
        client.get("/partner/documents/999999/replace/"),
    ]
    # then
    assert [response.status_code for response in responses] == [404, 404, 404]
    assert all("Quetzal" not in response.content.decode() for response in responses)
    assert list(PartnerDocument.objects.values_list("pk", "replaced_by")) == [(theirs.pk, None)]
    assert len(_stored_files(_media)) == 1


@pytest.mark.parametrize(
    ("upload", "fields", "field", "message"),
    [
        (("evil.exe", b"MZ\x90\x00"), {}, "file", "Upload a PDF, PNG or JPEG file."),
        (("fake.pdf", b"<html></html>"), {}, "file", "The file's content is not a PDF file."),
        (None, {}, "file", "This field is required."),
        (
            ("i.pdf", PDF),
            {"issued_on": "2026-05-01", "expires_on": "2026-04-01"},
            "expires_on",
            "The document cannot expire before it was issued.",
        ),
        (("i.pdf", PDF), {"expires_on": "someday"}, "expires_on", "Enter a valid date."),
    ],
)
def test_a_refused_replacement_shows_the_error_next_to_the_field(client, alpha, _media, upload, fields, field, message):
    # given
    document = _upload(alpha)
    client.force_login(_login(alpha))
    # when
    if upload is not None:
        fields = {**fields, "file": SimpleUploadedFile(*upload)}
    response = client.post(_replace_url(document), {"title": "New", **fields})
    # then
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert f'id="id_{field}_error"' in response.content.decode()
    assert list(PartnerDocument.objects.values_list("pk", "replaced_by")) == [(document.pk, None)]
    assert len(_stored_files(_media)) == 1


def test_a_bad_file_and_bad_dates_are_shown_together(client, alpha, _media):
    # given
    document = _upload(alpha)
    client.force_login(_login(alpha))
    # when
    response = client.post(
        _replace_url(document),
        {"file": SimpleUploadedFile("evil.exe", b"MZ"), "issued_on": "2026-05-01", "expires_on": "2026-04-01"},
    )
    # then
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "file": ["Upload a PDF, PNG or JPEG file."],
        "expires_on": ["The document cannot expire before it was issued."],
    }
    assert list(PartnerDocument.objects.values_list("pk", "replaced_by")) == [(document.pk, None)]


def test_an_already_replaced_document_says_so_instead_of_a_form(client, alpha, _media):
    # given
    old = _upload(alpha)
    _replace(old, title="Insurance 2026")
    client.force_login(_login(alpha))
    # when
    shown = client.get(_replace_url(old))
    posted = client.post(_replace_url(old), {"file": SimpleUploadedFile("i.png", PNG)})
    # then
    assert shown.status_code == 200
    assert posted.status_code == 409
    for response in (shown, posted):
        body = response.content.decode()
        assert "already replaced by “Insurance 2026”" in body
        assert 'type="file"' not in body
    assert PartnerDocument.objects.count() == 2
    assert len(_stored_files(_media)) == 2


def test_a_replacement_made_meanwhile_is_shown_as_a_conflict(client, alpha, _media, monkeypatch):
    # given: someone else replaces the document between the page's read and the service's lock
    old = _upload(alpha)
    client.force_login(_login(alpha))
    real = services.document_replace

    def raced(**kwargs):
        real(document_id=old.pk, actor=None, file=SimpleUploadedFile("theirs.pdf", PDF), title="Their version")
        return real(**kwargs)

    monkeypatch.setattr(services, "document_replace", raced)
    # when
    response = client.post(_replace_url(old), {"file": SimpleUploadedFile("mine.png", PNG), "title": "Mine"})
    # then
    assert response.status_code == 409
    assert "already replaced by “Their version”" in response.content.decode()
    assert not PartnerDocument.objects.filter(title="Mine").exists()
    assert [path.read_bytes() for path in _stored_files(_media)] == [PDF, PDF]


# --- what the partner holds now -----------------------------------------------------------


def test_the_list_shows_current_documents_with_their_earlier_versions(client, alpha, bravo, _media):
    # given: insurance replaced twice, an NDA never; another organisation's replaced document
    uploader = UserFactory(first_name="Uma", last_name="Uploader")
    first = _upload(alpha, actor=uploader, title="Insurance 2024")
    second = _replace(first, title="Insurance 2025")
    current = _replace(second, title="Insurance 2026")
    _upload(alpha, kind="nda", title="Mutual NDA")
    _replace(_upload(bravo, title="Quetzal old"), title="Quetzal new")
    client.force_login(_login(alpha))
    # when
    response = client.get("/partner/documents/")
    # then
    body = response.content.decode()
    assert [document.title for document in response.context["documents"]] == ["Insurance 2026", "Mutual NDA"]
    [insurance, nda] = response.context["documents"]
    assert [version.title for version in insurance.earlier] == ["Insurance 2025", "Insurance 2024"]
    assert nda.earlier == []
    assert body.count("Earlier versions (2)") == 1 and "Earlier versions (" not in body.replace("(2)", "")
    assert "Uma Uploader" in body
    assert f"/documents/{first.pk}/download/" in body and f"/documents/{second.pk}/download/" in body
    assert _replace_url(current) in body and _replace_url(second) not in body
    assert "Quetzal" not in body


@pytest.mark.parametrize("rows", [1, 20])
def test_the_documents_page_query_count_is_flat(client, alpha, rows, django_assert_max_num_queries):
    # given: each document replaced two earlier versions, uploaded by different people
    for index in range(rows):
        current = PartnerDocument.objects.create(partner=alpha, kind="kyc", title=f"KYC {index}", file="c.pdf")
        for age in range(2):
            PartnerDocument.objects.create(
                partner=alpha, kind="kyc", title=f"KYC {index}.{age}", file="o.pdf", replaced_by=current,
                uploaded_by=UserFactory(),
            )  # fmt: skip
    client.force_login(_login(alpha))
    # when: session, user, membership, partner, the agreement gate, documents, earlier versions
    with django_assert_max_num_queries(7):
        response = client.get("/partner/documents/")
    # then
    assert response.status_code == 200
    assert len(response.context["documents"]) == rows
    assert all(len(document.earlier) == 2 for document in response.context["documents"])


def test_the_portal_home_does_not_ask_to_renew_a_replaced_document(client, alpha, _media):
    # given: an expired certificate replaced by a valid one
    today = timezone.localdate()
    old = _upload(alpha, title="Lapsed cover", expires_on=today - timedelta(days=10))
    _replace(old, title="Renewed cover", expires_on=today + timedelta(days=365))
    client.force_login(_login(alpha))
    # when
    body = client.get("/partner/").content.decode()
    # then
    assert "Lapsed cover" not in body
    assert "No document expires in the next 60 days." in body


@pytest.mark.parametrize(("role", "offered"), [("partner_admin", True), ("partner_member", False)])
def test_the_portal_home_offers_partner_admins_to_replace_a_document_to_renew(client, alpha, role, offered):
    # given: a certificate expiring in a month
    document = _upload(alpha, title="Expiring cover", expires_on=timezone.localdate() + timedelta(days=30))
    client.force_login(_login(alpha, role=role))
    # when
    body = client.get("/partner/").content.decode()
    # then
    assert "Expiring cover" in body
    assert (f'href="/partner/documents/{document.pk}/replace/"' in body) is offered
    assert ('href="/partner/users/"' in body) is offered


def test_the_manager_partner_page_records_show_only_current_documents(alpha, manager, _media):
    # given
    old = _upload(alpha, title="Lapsed cover")
    new = _replace(old, title="Renewed cover")
    # when
    records = partner_records(user=manager, partner_id=alpha.pk, today=timezone.localdate())
    # then
    assert [document.pk for document in records.documents] == [new.pk]


# --- concurrency --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_replacements_of_one_document_make_one_new_version(_media, monkeypatch):
    # given: the first replacement holds the old row for a moment after reading it
    partner = PartnerFactory(name="Racing Partner")
    old = _upload(partner)
    first_inside = threading.Event()
    build = services._document_new

    def slow_build(**kwargs):
        if not first_inside.is_set():
            first_inside.set()
            time.sleep(0.5)  # the second replacement reads the row meanwhile
        return build(**kwargs)

    monkeypatch.setattr(services, "_document_new", slow_build)
    results: dict[str, str] = {}

    def replace(title: str):
        try:
            results[title] = _replace(old, title=title).title
        except Conflict as exc:
            results[title] = exc.code
        finally:
            connection.close()

    # when
    first = threading.Thread(target=replace, args=("First",))
    first.start()
    assert first_inside.wait(5)
    second = threading.Thread(target=replace, args=("Second",))
    second.start()
    first.join(10)
    second.join(10)
    # then
    assert results == {"First": "First", "Second": "document_replaced"}
    old.refresh_from_db()
    assert old.replaced_by.title == "First"
    assert PartnerDocument.objects.count() == 2
    assert len(_stored_files(_media)) == 2
