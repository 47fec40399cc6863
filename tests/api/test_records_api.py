"""/api/v1/metrics/, /agreements/, /reviews/ and /documents/: relationship records over the API."""

import json
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from partners.models import Activity, Partner, PartnerUser
from partners.records import services
from partners.records.models import Agreement, BusinessReview, PartnerDocument, ReportedMetric
from partners.services import api_token_create
from tests.factories import UserFactory

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _stored_files(media) -> list:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


@pytest.fixture
def partner(make_partner):
    return make_partner(name="Helix Health", type="support")


def _metric(partner, **fields) -> dict:
    return {
        "partner": partner.pk, "key": "sla_compliance_pct", "period_start": "2026-10-01",
        "period_end": "2026-10-31", "value": "97.5", "source": "api", **fields,
    }  # fmt: skip


# --- metrics ------------------------------------------------------------------------------


def test_reporting_a_metric_answers_201_then_200_for_the_same_period(manager_client, partner, manager):
    # when
    created = manager_client.post("/api/v1/metrics/", _metric(partner), format="json")
    updated = manager_client.post("/api/v1/metrics/", _metric(partner, value="96.1"), format="json")
    # then
    assert created.status_code == 201, created.content
    assert created.json() == {
        "id": created.json()["id"], "partner": partner.pk, "key": "sla_compliance_pct",
        "period_start": "2026-10-01", "period_end": "2026-10-31", "value": "97.5000", "source": "api",
        "reported_by": manager.pk, "created_at": created.json()["created_at"],
    }  # fmt: skip
    assert updated.status_code == 200
    assert updated.json()["id"] == created.json()["id"]
    assert updated.json()["value"] == "96.1000"
    assert ReportedMetric.objects.count() == 1


def test_a_list_of_metrics_is_reported_in_one_post(manager_client, partner, make_partner):
    # given
    other = make_partner(name="Other")
    manager_client.post("/api/v1/metrics/", _metric(partner), format="json")
    # when: one period again, two new ones
    body = [
        _metric(partner, value="98"),
        _metric(partner, key="csat", value="4.4"),
        _metric(other, period_start="2026-11-01", period_end="2026-11-30"),
    ]
    response = manager_client.post("/api/v1/metrics/", body, format="json")
    # then
    assert response.status_code == 201
    assert [(row["partner"], row["key"], row["value"]) for row in response.json()] == [
        (partner.pk, "sla_compliance_pct", "98.0000"),
        (partner.pk, "csat", "4.4000"),
        (other.pk, "sla_compliance_pct", "97.5000"),
    ]
    assert ReportedMetric.objects.count() == 3
    # when: the same list again changes nothing and creates nothing
    again = manager_client.post("/api/v1/metrics/", body, format="json")
    # then
    assert again.status_code == 200
    assert ReportedMetric.objects.count() == 3


def test_a_bad_row_in_a_list_refuses_the_whole_list_and_names_its_position(manager_client, partner):
    # when
    body = [_metric(partner), _metric(partner, key="SLA %", period_end="2026-09-01")]
    response = manager_client.post("/api/v1/metrics/", body, format="json")
    # then
    assert response.status_code == 400
    assert set(response.json()) == {"1.key"}
    assert not ReportedMetric.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"period_end": "2026-09-30"}, "period_end"),
        ({"key": "SLA %"}, "key"),
        ({"value": "lots"}, "value"),
        ({"value": "1.123456"}, "value"),
        ({"period_start": "yesterday"}, "period_start"),
        ({"partner": 0}, "partner"),
        ({"partner": None}, "partner"),
    ],
)
def test_bad_metric_input_is_a_400_with_a_field_message(manager_client, partner, fields, field):
    # when
    response = manager_client.post("/api/v1/metrics/", {**_metric(partner), **fields}, format="json")
    # then
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not ReportedMetric.objects.exists()


@pytest.mark.parametrize("body", [[], "text", 42, [1, 2]])
def test_malformed_metric_bodies_are_400_not_500(manager_client, body):
    # when
    response = manager_client.post("/api/v1/metrics/", body, format="json")
    # then
    assert response.status_code == 400
    assert isinstance(response.json(), dict)


def test_metrics_filter_by_partner_key_and_period(manager_client, partner, make_partner, manager):
    # given
    other = make_partner(name="Other")
    for target, key, start, end in [
        (partner, "csat", date(2026, 9, 1), date(2026, 9, 30)),
        (partner, "sla_compliance_pct", date(2026, 10, 1), date(2026, 10, 31)),
        (other, "csat", date(2026, 10, 1), date(2026, 10, 31)),
    ]:
        services.metric_report(
            partner_id=target.pk, actor=manager, key=key, period_start=start, period_end=end, value=4
        )

    def keys(query):
        response = manager_client.get(f"/api/v1/metrics/?{query}")
        assert response.status_code == 200, response.content
        return sorted((row["partner"], row["key"]) for row in response.json()["results"])

    # then
    assert keys(f"partner={partner.pk}") == [(partner.pk, "csat"), (partner.pk, "sla_compliance_pct")]
    assert keys(f"partner={partner.pk},{other.pk}&key=csat") == [(partner.pk, "csat"), (other.pk, "csat")]
    assert keys("period_after=2026-10-01") == [(partner.pk, "sla_compliance_pct"), (other.pk, "csat")]
    assert manager_client.get("/api/v1/metrics/?partner=abc").status_code == 400
    assert manager_client.get("/api/v1/metrics/?period_after=2026-13-45").status_code == 400
    assert manager_client.get("/api/v1/metrics/?period_after=soon").status_code == 400


# --- agreements ---------------------------------------------------------------------------


def test_agreements_are_created_read_patched_and_filtered(manager_client, partner, make_partner):
    # given
    other = make_partner(name="Other")
    body = {"partner": partner.pk, "kind": "reseller", "title": "Reseller 2026", "start_on": "2026-01-01"}
    # when
    created = manager_client.post("/api/v1/agreements/", body, format="json")
    url = f"/api/v1/agreements/{created.json()['id']}/"
    patched = manager_client.patch(url, {"end_on": "2026-12-31", "status": "active"}, format="json")
    manager_client.post("/api/v1/agreements/", {**body, "partner": other.pk}, format="json")
    # then
    assert created.status_code == 201, created.content
    assert set(created.json()) == {
        "id", "partner", "kind", "title", "start_on", "end_on", "status", "created_at", "updated_at"
    }  # fmt: skip
    assert created.json()["status"] == "active" and created.json()["end_on"] is None
    assert patched.status_code == 200
    assert patched.json()["end_on"] == "2026-12-31"
    assert manager_client.get(url).json()["end_on"] == "2026-12-31"
    listed = manager_client.get(f"/api/v1/agreements/?partner={partner.pk}").json()["results"]
    assert [row["partner"] for row in listed] == [partner.pk]
    assert partner.activities.filter(data__record="agreement").count() == 2
    assert manager_client.put(url, body, format="json").status_code == 405
    assert manager_client.delete(url).status_code == 405


def test_agreement_errors_are_field_messages(manager_client, partner, make_partner):
    # given
    body = {"partner": partner.pk, "kind": "reseller", "title": "R", "start_on": "2026-03-01"}
    agreement = manager_client.post("/api/v1/agreements/", body, format="json").json()
    url = f"/api/v1/agreements/{agreement['id']}/"
    # when
    early_end = manager_client.post("/api/v1/agreements/", {**body, "end_on": "2026-02-01"}, format="json")
    bad_kind = manager_client.post("/api/v1/agreements/", {**body, "kind": "handshake"}, format="json")
    moved = manager_client.patch(url, {"partner": make_partner(name="Other").pk}, format="json")
    patched_early = manager_client.patch(url, {"end_on": "2026-01-01"}, format="json")
    # then
    assert (early_end.status_code, early_end.json()) == (
        400,
        {"end_on": ["The agreement cannot end before it starts."]},
    )
    assert bad_kind.status_code == 400 and "kind" in bad_kind.json()
    assert moved.status_code == 400 and "partner" in moved.json()
    assert patched_early.status_code == 400 and "end_on" in patched_early.json()
    assert Agreement.objects.count() == 1


# --- reviews ------------------------------------------------------------------------------


def test_reviews_are_recorded_read_and_corrected(manager_client, partner, manager):
    # given
    body = {"partner": partner.pk, "held_on": "2026-03-14", "kind": "strategy_review", "attendees": "Anna, Bo"}
    # when
    created = manager_client.post("/api/v1/reviews/", body, format="json")
    url = f"/api/v1/reviews/{created.json()['id']}/"
    patched = manager_client.patch(url, {"notes": "Next: joint webinar."}, format="json")
    future = manager_client.post("/api/v1/reviews/", {**body, "held_on": "2999-01-01"}, format="json")
    # then
    assert created.status_code == 201, created.content
    assert created.json()["recorded_by"] == manager.pk
    assert patched.status_code == 200 and patched.json()["notes"] == "Next: joint webinar."
    assert manager_client.get(url).json()["kind"] == "strategy_review"
    assert future.status_code == 400 and "held_on" in future.json()
    assert BusinessReview.objects.count() == 1
    assert partner.activities.filter(kind="meeting", data__record="review").count() == 1
    assert manager_client.get(f"/api/v1/reviews/?partner={partner.pk}").json()["count"] == 1


# --- documents ----------------------------------------------------------------------------


def _upload(client, partner, name="kyc.pdf", content=PDF, **fields):
    body = {"partner": partner.pk, "kind": "kyc", "title": "KYC 2026", "file": SimpleUploadedFile(name, content)}
    return client.post("/api/v1/documents/", {**body, **fields}, format="multipart")


def test_a_document_is_uploaded_and_no_file_url_is_exposed(manager_client, partner, manager, _media):
    # when
    created = _upload(manager_client, partner, expires_on="2027-06-30")
    # then
    assert created.status_code == 201, created.content
    body = created.json()
    assert set(body) == {
        "id", "partner", "kind", "title", "issued_on", "expires_on", "uploaded_by", "replaced_by", "created_at"
    }  # fmt: skip
    assert body["replaced_by"] is None
    assert body["expires_on"] == "2027-06-30" and body["uploaded_by"] == manager.pk
    stored = PartnerDocument.objects.get().file.name
    for response in (manager_client.get(f"/api/v1/documents/{body['id']}/"), manager_client.get("/api/v1/documents/")):
        assert "file" not in response.content.decode().replace('"file":', "")  # no key, no value
        assert stored not in response.content.decode()
        assert "/media/" not in response.content.decode()
    assert [path.read_bytes() for path in _stored_files(_media)] == [PDF]
    assert manager_client.get(f"/api/v1/documents/?partner={partner.pk}").json()["count"] == 1


@pytest.mark.parametrize(
    ("name", "content"),
    [("kyc.exe", b"MZ\x90\x00"), ("kyc.pdf", b"<html>not a pdf</html>"), ("kyc.jpg", PDF)],
)
def test_an_upload_of_the_wrong_type_is_refused_and_nothing_is_stored(manager_client, partner, _media, name, content):
    # when
    response = _upload(manager_client, partner, name=name, content=content)
    # then
    assert response.status_code == 400
    assert list(response.json()) == ["file"]
    assert not PartnerDocument.objects.exists()
    assert _stored_files(_media) == []


def test_an_upload_over_ten_megabytes_is_refused_and_nothing_is_stored(manager_client, partner, _media):
    # when
    response = _upload(manager_client, partner, content=PDF + b"0" * (10 * 1024 * 1024))
    # then
    assert response.status_code == 400
    assert response.json() == {"file": ["The file is larger than 10 MB."]}
    assert not PartnerDocument.objects.exists()
    assert _stored_files(_media) == []


def test_documents_without_a_file_or_as_json_are_refused(manager_client, partner):
    # when
    missing = manager_client.post(
        "/api/v1/documents/", {"partner": partner.pk, "kind": "kyc", "title": "KYC"}, format="multipart"
    )
    as_json = manager_client.post("/api/v1/documents/", {"partner": partner.pk}, format="json")
    # then
    assert missing.status_code == 400 and "file" in missing.json()
    assert as_json.status_code == 415


# --- replacing documents ------------------------------------------------------------------


def _document(partner, title="KYC 2025", **fields) -> PartnerDocument:
    return services.document_add(
        partner_id=partner.pk, actor=None, kind="kyc", title=title, file=SimpleUploadedFile("k.pdf", PDF), **fields
    )


def _replace(client, document, name="new.pdf", content=PDF, **fields):
    body = {"file": SimpleUploadedFile(name, content), **fields}
    return client.post(f"/api/v1/documents/{document.pk}/replace/", body, format="multipart")


def _partner_client(partner, role) -> APIClient:
    """A client with a partner login's token, as an integration of the partner would call."""
    user = UserFactory(is_staff=False)
    PartnerUser.objects.create(user=user, partner=partner, role=role)
    _, key = api_token_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_document_is_replaced_by_a_new_one_of_the_same_kind(manager_client, partner, manager, _media):
    # given
    old = _document(partner, expires_on=date(2026, 1, 31))
    # when
    response = _replace(manager_client, old, expires_on="2027-01-31")
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["partner"], body["kind"], body["title"]) == (partner.pk, "kyc", "KYC 2025")
    assert body["expires_on"] == "2027-01-31"
    assert body["uploaded_by"] == manager.pk and body["replaced_by"] is None
    assert "file" not in body
    assert manager_client.get(f"/api/v1/documents/{old.pk}/").json()["replaced_by"] == body["id"]
    assert len(_stored_files(_media)) == 2
    note = partner.activities.filter(data__record="document", data__replaces=old.pk).get()
    assert note.data["document"] == body["id"]


def test_replacing_a_replaced_document_is_a_409(manager_client, partner, _media):
    # given
    old = _document(partner)
    new = _replace(manager_client, old, title="KYC 2026").json()
    # when
    again = _replace(manager_client, old, title="KYC 2027")
    # then
    assert again.status_code == 409
    assert again.json() == {
        "code": "document_replaced", "detail": "This document was already replaced by a newer version.",
        "replaced_by": new["id"],
    }  # fmt: skip
    assert PartnerDocument.objects.count() == 2
    assert len(_stored_files(_media)) == 2


@pytest.mark.parametrize(
    ("name", "content", "fields", "field"),
    [
        ("new.exe", b"MZ\x90\x00", {}, "file"),
        ("new.pdf", b"<html>not a pdf</html>", {}, "file"),
        ("new.pdf", PDF + b"0" * (10 * 1024 * 1024), {}, "file"),
        ("new.pdf", b"", {}, "file"),
        ("new.pdf", PDF, {"issued_on": "2026-05-01", "expires_on": "2026-04-01"}, "expires_on"),
        ("new.pdf", PDF, {"issued_on": "May"}, "issued_on"),
        ("new.pdf", PDF, {"title": "x" * 201}, "title"),
    ],
)
def test_a_bad_replacement_is_a_400_with_a_field_message_and_changes_nothing(
    manager_client, partner, _media, name, content, fields, field
):
    # given
    old = _document(partner)
    # when
    response = _replace(manager_client, old, name=name, content=content, **fields)
    # then
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert list(PartnerDocument.objects.values_list("pk", "replaced_by")) == [(old.pk, None)]
    assert len(_stored_files(_media)) == 1


def test_a_replacement_without_a_file_or_as_json_is_refused(manager_client, partner):
    # given
    old = _document(partner)
    # when
    missing = manager_client.post(f"/api/v1/documents/{old.pk}/replace/", {"title": "X"}, format="multipart")
    as_json = manager_client.post(f"/api/v1/documents/{old.pk}/replace/", {"title": "X"}, format="json")
    # then
    assert missing.status_code == 400 and "file" in missing.json()
    assert as_json.status_code == 415
    assert PartnerDocument.objects.count() == 1


def test_only_staff_who_may_change_the_partner_replace_its_documents(api_client, partner, make_partner, _media):
    # given: a manager owning another partner, an analyst
    old = _document(partner)
    other_manager = UserFactory(role="manager")
    # when
    statuses = []
    for user in (other_manager, UserFactory(role="analyst")):
        api_client.force_authenticate(user)
        statuses.append(_replace(api_client, old).status_code)
    # then
    assert statuses == [403, 403]
    assert list(PartnerDocument.objects.values_list("pk", "replaced_by")) == [(old.pk, None)]
    assert len(_stored_files(_media)) == 1


def test_an_unknown_document_is_404(manager_client, db):
    # when
    response = manager_client.post(
        "/api/v1/documents/999999/replace/", {"file": SimpleUploadedFile("n.pdf", PDF)}, format="multipart"
    )
    # then
    assert response.status_code == 404


def test_a_partner_admins_token_replaces_its_own_documents_only(partner, make_partner, _media):
    # given
    mine = _document(partner, title="Ours")
    theirs = _document(make_partner(name="Quetzal Other"), title="Theirs")
    admin = _partner_client(partner, "partner_admin")
    member = _partner_client(partner, "partner_member")
    # when
    replaced = _replace(admin, mine, title="Ours renewed")
    foreign = _replace(admin, theirs)
    by_member = _replace(member, PartnerDocument.objects.get(title="Ours renewed"))
    # then
    assert replaced.status_code == 201, replaced.content
    assert replaced.json()["partner"] == partner.pk
    assert foreign.status_code == 404
    assert "Quetzal" not in foreign.content.decode() and "Theirs" not in foreign.content.decode()
    assert by_member.status_code == 403
    assert PartnerDocument.objects.get(pk=theirs.pk).replaced_by is None
    assert PartnerDocument.objects.count() == 3
    assert len(_stored_files(_media)) == 3


def test_the_current_filter_lists_documents_held_now_or_replaced_ones(manager_client, partner, make_partner):
    # given
    old = _document(partner, title="Old")
    new = _replace(manager_client, old, title="New").json()
    other = _document(partner, title="Other kind")
    theirs = _document(make_partner(name="Quetzal Other"), title="Theirs")
    partner_client = _partner_client(partner, "partner_member")

    def ids(client, query):
        response = client.get(f"/api/v1/documents/{query}")
        assert response.status_code == 200, response.content
        return sorted(row["id"] for row in response.json()["results"])

    # then
    assert ids(manager_client, f"?partner={partner.pk}") == sorted([old.pk, new["id"], other.pk])
    assert ids(manager_client, "?current=true") == sorted([new["id"], other.pk, theirs.pk])
    assert ids(manager_client, "?current=false") == [old.pk]
    assert ids(partner_client, "?current=true") == sorted([new["id"], other.pk])
    assert ids(partner_client, "?current=False") == [old.pk]
    assert manager_client.get("/api/v1/documents/?current=maybe").json() == {"current": ["Give true or false."]}


# --- who may read and write ---------------------------------------------------------------

ENDPOINTS = ["metrics", "agreements", "reviews", "documents"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_login_without_staff_rights_gets_403_and_anonymous_401(api_client, endpoint, db):
    # given
    outsider = UserFactory(is_staff=False)
    # when
    anonymous = api_client.get(f"/api/v1/{endpoint}/")
    api_client.force_authenticate(outsider)
    response = api_client.get(f"/api/v1/{endpoint}/")
    # then
    assert anonymous.status_code == 401
    assert response.status_code == 403


def test_an_analyst_reads_but_cannot_write(api_client, partner, manager, _media):
    # given
    services.metric_report(
        partner_id=partner.pk, actor=manager, key="csat", period_start=date(2026, 1, 1),
        period_end=date(2026, 1, 31), value=4,
    )  # fmt: skip
    agreement = services.agreement_add(
        partner_id=partner.pk, actor=manager, kind="reseller", title="R", start_on=date(2026, 1, 1)
    )
    api_client.force_authenticate(UserFactory(role="analyst"))
    # when
    writes = [
        api_client.post("/api/v1/metrics/", _metric(partner), format="json"),
        api_client.post("/api/v1/agreements/", {"partner": partner.pk, "kind": "reseller", "title": "X",
                                                "start_on": "2026-01-01"}, format="json"),
        api_client.patch(f"/api/v1/agreements/{agreement.pk}/", {"title": "Y"}, format="json"),
        api_client.post("/api/v1/reviews/", {"partner": partner.pk, "held_on": "2026-01-01",
                                             "kind": "business_review"}, format="json"),
        _upload(api_client, partner),
    ]  # fmt: skip
    # then
    assert [response.status_code for response in writes] == [403] * 5
    assert api_client.get("/api/v1/metrics/").json()["count"] == 1
    assert api_client.get("/api/v1/agreements/").json()["count"] == 1
    assert ReportedMetric.objects.count() == 1 and Agreement.objects.count() == 1
    assert not PartnerDocument.objects.exists() and not BusinessReview.objects.exists()
    assert _stored_files(_media) == []


def _rows() -> dict:
    """Every record and timeline row, as it stands."""
    return {
        "metrics": list(ReportedMetric.objects.order_by("pk").values_list("pk", "partner_id", "key", "value")),
        "agreements": list(Agreement.objects.order_by("pk").values_list("pk", "partner_id", "title", "end_on")),
        "reviews": list(BusinessReview.objects.order_by("pk").values_list("pk", "partner_id", "notes")),
        "documents": list(PartnerDocument.objects.order_by("pk").values_list("pk", "partner_id", "replaced_by")),
        "activities": list(Activity.objects.order_by("pk").values_list("pk", "partner_id")),
    }


def test_a_record_of_an_unknown_partner_is_404_and_none_is_written_for_it(
    manager_client, partner, make_partner, manager, _media
):
    # given: records of another organisation, which the partner's own admin cannot see, and an id no partner has
    quetzal = make_partner(name="Quetzal Other")
    agreement = services.agreement_add(
        partner_id=quetzal.pk, actor=manager, kind="reseller", title="Theirs", start_on=date(2026, 1, 1)
    )
    review = services.review_record(
        partner_id=quetzal.pk, actor=manager, held_on=date(2026, 1, 1), kind="business_review", notes="Theirs"
    )
    document = _document(quetzal, title="Theirs")
    services.metric_report(
        partner_id=quetzal.pk, actor=manager, key="csat", period_start=date(2026, 1, 1),
        period_end=date(2026, 1, 31), value=4,
    )  # fmt: skip
    unknown = Partner.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    partner_admin = _partner_client(partner, "partner_admin")
    before, files_before = _rows(), _stored_files(_media)
    new_record = {
        "metric": lambda client, pk: client.post(
            "/api/v1/metrics/", {**_metric(partner), "partner": pk}, format="json"
        ),
        "metrics": lambda client, pk: client.post(
            "/api/v1/metrics/", [_metric(partner), {**_metric(partner), "partner": pk}], format="json"
        ),
        "agreement": lambda client, pk: client.post(
            "/api/v1/agreements/", {"partner": pk, "kind": "reseller", "title": "X", "start_on": "2026-01-01"},
            format="json",
        ),
        "review": lambda client, pk: client.post(
            "/api/v1/reviews/", {"partner": pk, "held_on": "2026-01-01", "kind": "business_review"}, format="json"
        ),
        "document": lambda client, pk: client.post(
            "/api/v1/documents/",
            {"partner": pk, "kind": "kyc", "title": "X", "file": SimpleUploadedFile("x.pdf", PDF)},
            format="multipart",
        ),
    }  # fmt: skip
    # when: staff name a partner that does not exist; the partner's admin names the other organisation
    by_staff = {kind: post(manager_client, unknown) for kind, post in new_record.items()}
    by_partner_admin = {kind: new_record[kind](partner_admin, quetzal.pk) for kind in ("metric", "metrics", "document")}
    not_found = [
        partner_admin.get(f"/api/v1/agreements/{agreement.pk}/"),
        partner_admin.get(f"/api/v1/reviews/{review.pk}/"),
        partner_admin.get(f"/api/v1/documents/{document.pk}/"),
        partner_admin.patch(f"/api/v1/agreements/{agreement.pk}/", {"title": "Ours now"}, format="json"),
        partner_admin.patch(f"/api/v1/reviews/{review.pk}/", {"notes": "Ours now"}, format="json"),
        _replace(partner_admin, document, title="Ours now"),
    ]
    refused = [  # a partner login records no agreements or reviews, whichever partner it names
        new_record["agreement"](partner_admin, quetzal.pk),
        new_record["review"](partner_admin, quetzal.pk),
    ]
    patched_unknown = [
        manager_client.patch(f"/api/v1/agreements/{agreement.pk + 1000}/", {"title": "X"}, format="json"),
        manager_client.patch(f"/api/v1/reviews/{review.pk + 1000}/", {"notes": "X"}, format="json"),
    ]
    # then: a new record naming a partner the caller cannot see is refused on its partner field, and the
    # other organisation is answered exactly as a partner that does not exist
    assert {kind: (response.status_code, list(response.json())) for kind, response in by_staff.items()} == {
        "metric": (400, ["partner"]), "metrics": (400, ["1.partner"]), "agreement": (400, ["partner"]),
        "review": (400, ["partner"]), "document": (400, ["partner"]),
    }  # fmt: skip
    assert {kind: (response.status_code, response.json()) for kind, response in by_partner_admin.items()} == {
        kind: (400, json.loads(by_staff[kind].content.decode().replace(str(unknown), str(quetzal.pk))))
        for kind in by_partner_admin
    }
    # its records are not found, to read, patch or replace; a partner login's other writes are refused
    assert [response.status_code for response in not_found] == [404] * 6
    assert [response.status_code for response in refused] == [403, 403]
    assert [response.status_code for response in patched_unknown] == [404, 404]
    for response in [*by_partner_admin.values(), *not_found, *refused]:
        assert "Quetzal" not in response.content.decode() and "Theirs" not in response.content.decode()
    # and nothing was written: no record, no timeline row, no file, no change
    assert _rows() == before
    assert _stored_files(_media) == files_before


# --- query counts -------------------------------------------------------------------------


def _fill(partner, manager, rows: int) -> None:
    for index in range(rows):
        day = date(2024, 1, 1).toordinal() + index * 31
        start = date.fromordinal(day)
        services.metric_report(
            partner_id=partner.pk, actor=manager, key="csat", period_start=start, period_end=start, value=4
        )
        services.agreement_add(partner_id=partner.pk, actor=manager, kind="reseller", title=f"A{index}", start_on=start)
        services.review_record(partner_id=partner.pk, actor=manager, held_on=start, kind="business_review")
        services.document_add(
            partner_id=partner.pk, actor=manager, kind="kyc", title=f"D{index}",
            file=SimpleUploadedFile("d.pdf", PDF),
        )  # fmt: skip


@pytest.mark.parametrize("rows", [1, 20])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_record_lists_query_count_is_flat(manager_client, partner, manager, django_assert_max_num_queries, rows,
                                          endpoint):  # fmt: skip
    # given
    _fill(partner, manager, rows)
    # when: count and one page
    with django_assert_max_num_queries(2):
        response = manager_client.get(f"/api/v1/{endpoint}/?partner={partner.pk}")
    # then
    assert response.status_code == 200
    assert len(response.json()["results"]) == rows
