"""``Idempotency-Key`` on POST (api.md): a retry with the same key and body answers the first
response again and creates nothing twice."""

import uuid

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from partners.models import Contact
from partners.records.models import PartnerDocument
from partners.services import api_token_create
from prm.idempotency import RUNNING_SECONDS, slot_name
from tests.factories import UserFactory

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"


@pytest.fixture
def partner(make_partner):
    return make_partner(name="Helix Health")


def _contact_post(client, partner, key, headers, name="Ines Berg", email="ines@helix.example"):
    body = {"partner": partner.pk, "name": name, "email": email, "role": "technical"}
    return client.post("/api/v1/contacts/", body, format="json", HTTP_IDEMPOTENCY_KEY=key, **headers)


def test_a_retried_post_answers_the_first_response_and_creates_nothing_twice(api_client, partner, token_header):
    # given
    key = str(uuid.uuid4())
    first = _contact_post(api_client, partner, key, token_header)
    # when
    again = _contact_post(api_client, partner, key, token_header)
    # then
    assert first.status_code == 201, first.content
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert Contact.objects.filter(partner=partner).count() == 1


def test_without_a_key_each_post_creates(api_client, partner, token_header):
    # when
    responses = [
        api_client.post(
            "/api/v1/contacts/",
            {"partner": partner.pk, "name": "Ines", "email": f"ines{number}@helix.example", "role": "technical"},
            format="json",
            **token_header,
        )
        for number in range(2)
    ]
    # then
    assert [response.status_code for response in responses] == [201, 201]
    assert Contact.objects.filter(partner=partner).count() == 2


def test_the_same_key_with_another_body_is_a_422_and_creates_nothing(api_client, partner, token_header):
    # given
    key = str(uuid.uuid4())
    _contact_post(api_client, partner, key, token_header)
    # when
    response = _contact_post(api_client, partner, key, token_header, name="Someone Else")
    # then
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert list(Contact.objects.filter(partner=partner).values_list("name", flat=True)) == ["Ines Berg"]


def test_keys_belong_to_their_caller(api_client, partner, token_header, manager):
    # given: another login of the same role uses the same key
    other = UserFactory(role="manager", is_superuser=True)
    _, other_key = api_token_create(user=other)
    key = "order-42"
    mine = _contact_post(api_client, partner, key, token_header)
    # when
    theirs = _contact_post(
        api_client, partner, key, {"HTTP_AUTHORIZATION": f"Token {other_key}"}, email="ines2@helix.example"
    )
    # then: the second caller's request ran; it did not receive the first caller's response
    assert theirs.status_code == 201, theirs.content
    assert not theirs.has_header("Idempotent-Replayed")
    assert theirs.json()["id"] != mine.json()["id"]
    assert Contact.objects.filter(partner=partner).count() == 2


def test_a_revoked_token_gets_no_replay(api_client, partner, manager):
    # given: a contact created with a token that is revoked afterwards
    token, key = api_token_create(user=manager)
    header = {"HTTP_AUTHORIZATION": f"Token {key}"}
    first = _contact_post(api_client, partner, "k-revoked", header)
    token.delete()
    # when
    again = _contact_post(api_client, partner, "k-revoked", header)
    # then
    assert first.status_code == 201
    assert again.status_code == 401
    assert "Ines" not in again.content.decode()


def test_a_refused_request_is_not_kept_so_a_corrected_retry_runs(api_client, partner, token_header):
    # given: the first attempt is refused (no name)
    key = str(uuid.uuid4())
    refused = _contact_post(api_client, partner, key, token_header, name="")
    # when
    corrected = _contact_post(api_client, partner, key, token_header)
    # then
    assert refused.status_code == 400
    assert corrected.status_code == 201, corrected.content
    assert Contact.objects.filter(partner=partner).count() == 1


def test_a_retry_while_the_first_request_runs_is_a_409_with_retry_after(api_client, partner, token_header, manager):
    # given: the first request holds the key (it is still running)
    caller = f"user:{manager.pk}"
    fresh = _contact_post(api_client, partner, "probe", token_header)  # the same request's fingerprint
    fingerprint = cache.get(slot_name(caller, "probe"))["fingerprint"]
    cache.add(slot_name(caller, "slow-1"), {"state": "running", "fingerprint": fingerprint}, RUNNING_SECONDS)
    # when
    response = _contact_post(api_client, partner, "slow-1", token_header)
    # then
    assert fresh.status_code == 201
    assert response.status_code == 409
    assert response.json()["code"] == "request_in_progress"
    assert response["Retry-After"] == "1"
    assert Contact.objects.filter(partner=partner).count() == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "naïve-key", "line\nbreak"])
def test_a_malformed_key_is_a_400_naming_the_header(api_client, partner, token_header, key):
    # when
    response = _contact_post(api_client, partner, key, token_header)
    # then
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert not Contact.objects.exists()


def test_a_retried_upload_stores_one_document(api_client, partner, token_header, settings, tmp_path):
    # given
    settings.MEDIA_ROOT = tmp_path / "media"

    def upload(content=PDF):
        body = {"partner": partner.pk, "kind": "kyc", "title": "KYC", "file": SimpleUploadedFile("kyc.pdf", content)}
        return api_client.post(
            "/api/v1/documents/", body, format="multipart", HTTP_IDEMPOTENCY_KEY="upload-1", **token_header
        )

    first = upload()
    # when
    again, different = upload(), upload(PDF + b"%another")
    # then
    assert first.status_code == 201, first.content
    assert again.status_code == 201 and again.json() == first.json()
    assert different.status_code == 422
    assert PartnerDocument.objects.filter(partner=partner).count() == 1
    assert len([path for path in (tmp_path / "media").rglob("*") if path.is_file()]) == 1


def test_a_session_caller_is_protected_too(client, partner, manager):
    # given
    client.force_login(manager)
    body = {"partner": partner.pk, "name": "Ines", "email": "ines@helix.example", "role": "technical"}
    # when
    responses = [
        client.post("/api/v1/contacts/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1")
        for _ in range(2)
    ]
    # then
    assert [response.status_code for response in responses] == [201, 201]
    assert responses[1]["Idempotent-Replayed"] == "true"
    assert Contact.objects.filter(partner=partner).count() == 1


def test_the_schema_documents_the_header_on_every_post(client, db):
    # when
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    # then
    posts = [operations["post"] for operations in schema["paths"].values() if "post" in operations]
    assert len(posts) > 10
    assert all(
        any(parameter["name"] == "Idempotency-Key" for parameter in post.get("parameters", [])) for post in posts
    )
    assert not any(
        parameter["name"] == "Idempotency-Key"
        for operations in schema["paths"].values()
        for method, operation in operations.items()
        if method != "post"
        for parameter in operation.get("parameters", [])
    )
