"""/api/v1/certifications/ and /api/v1/certification-definitions/: records (multipart evidence),
reads scoped to the organisation, filters, decisions by the partner's manager, definitions kept by
administrators, field errors for bad input, and a flat query count."""

from datetime import date, timedelta

import pytest

from partners.reference import reference
from partners.services import api_token_create
from programs.certifications.models import Certification, CertificationDefinition
from programs.certifications.services import certification_reject
from tests.factories import UserFactory
from tests.notifications.helpers import partner_login
from tests.partners.factories import ContactFactory, PartnerFactory
from tests.programs.certifications.helpers import days_ago, definition, pdf, record, verified

pytestmark = pytest.mark.django_db
URL = "/api/v1/certifications/"


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_a_partner_login_records_with_the_certificate_as_multipart(api_client, alpha):
    # given
    amy = partner_login(alpha)
    ada = ContactFactory(partner=alpha, name="Ada Lovelace")
    clinical = definition(months=12)
    api_client.force_authenticate(amy)
    # when
    response = api_client.post(
        URL,
        {"contact": ada.pk, "definition": clinical.pk, "earned_on": "2026-06-30", "evidence": pdf()},
        format="multipart",
    )
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert {key: body[key] for key in ("partner", "contact", "contact_name", "definition_name", "vertical")} == {
        "partner": alpha.pk, "contact": ada.pk, "contact_name": "Ada Lovelace",
        "definition_name": "Clinical integration", "vertical": "healthcare",
    }  # fmt: skip
    assert (body["earned_on"], body["expires_on"], body["state"], body["has_evidence"]) == (
        "2026-06-30", "2027-06-30", "pending", True,
    )  # fmt: skip
    assert "evidence" not in body  # the file is served by a checked download, never by its storage path


def test_bad_input_gets_field_messages(api_client, alpha, bravo):
    # given
    api_client.force_authenticate(partner_login(alpha))
    stranger = ContactFactory(partner=bravo)
    future = (date.today() + timedelta(days=3)).isoformat()
    # when
    response = api_client.post(
        URL,
        {"contact": stranger.pk, "definition": definition().pk, "earned_on": future,
         "evidence": pdf("certificate.pdf", b"GIF89a")},
        format="multipart",
    )  # fmt: skip
    # then
    assert response.status_code == 400
    body = response.json()
    assert body["contact"] == ["Choose one of your organisation's contacts."]
    assert body["earned_on"] == ["The date earned is in the future."]
    assert body["evidence"] == ["The file's content is not a PDF file."]
    assert "Bravo" not in response.content.decode()
    assert not Certification.objects.exists()


def test_staff_record_for_a_partner_they_own_only(api_client, alpha, owner):
    # given
    other = UserFactory(role="manager")
    contact = ContactFactory(partner=alpha)
    body = {"partner": alpha.pk, "contact": contact.pk, "definition": definition().pk, "earned_on": "2026-01-05"}
    # when
    api_client.force_authenticate(other)
    refused = api_client.post(URL, body, format="json")
    api_client.force_authenticate(owner)
    accepted = api_client.post(URL, body, format="json")
    without = api_client.post(URL, {**body, "partner": None}, format="json")
    # then
    assert refused.status_code == 403
    assert accepted.status_code == 201, accepted.content
    assert without.status_code == 400


def test_a_partner_reads_its_own_certifications_only(api_client, alpha, bravo):
    # given
    mine, theirs = record(alpha), record(bravo)
    _, key = api_token_create(user=partner_login(alpha))
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    # then
    assert _ids(api_client.get(URL)) == [mine.pk]
    assert api_client.get(f"{URL}{theirs.pk}/").status_code == 404
    assert api_client.get(f"{URL}{mine.pk}/").status_code == 200
    assert api_client.get(f"{URL}?partner={bravo.pk}").status_code == 400  # staff only, never silently ignored


def test_the_filters_answer_by_partner_contact_vertical_state_expiry_and_search(api_client, alpha, bravo, owner):
    # given
    ada = ContactFactory(partner=alpha, name="Ada Lovelace")
    payments = definition("Payments security", "financial-services")
    clinical = verified(alpha, by=owner, contact=ada, earned_on=days_ago(400), expires_on=days_ago(-10))
    paying = record(alpha, of=payments)
    refused = record(bravo)
    certification_reject(certification_id=refused.pk, actor=owner, reason="Unreadable")
    api_client.force_authenticate(owner)
    # then
    assert _ids(api_client.get(f"{URL}?partner={bravo.pk}")) == [refused.pk]
    assert _ids(api_client.get(f"{URL}?contact={ada.pk}")) == [clinical.pk]
    assert _ids(api_client.get(f"{URL}?vertical=financial-services")) == [paying.pk]
    assert set(_ids(api_client.get(f"{URL}?vertical=healthcare"))) == {clinical.pk, refused.pk}
    assert _ids(api_client.get(f"{URL}?state=verified")) == [clinical.pk]
    assert _ids(api_client.get(f"{URL}?expires_before={days_ago(-30).isoformat()}")) == [clinical.pk]
    assert _ids(api_client.get(f"{URL}?search=lovel")) == [clinical.pk]
    assert _ids(api_client.get(f"{URL}?search=payments")) == [paying.pk]
    assert _ids(api_client.get(f"{URL}?search=%21%21")) == []
    assert _ids(api_client.get(f"{URL}?ordering=expires_on"))[0] == clinical.pk
    unknown = api_client.get(f"{URL}?vertical=astrology")
    assert unknown.status_code == 400
    assert "vertical" in unknown.json()


def test_the_partners_manager_verifies_and_rejects(api_client, alpha, owner):
    # given
    first, second = record(alpha), record(alpha)
    api_client.force_authenticate(owner)
    # when
    verified_ = api_client.post(f"{URL}{first.pk}/verify/")
    no_reason = api_client.post(f"{URL}{second.pk}/reject/", {"reason": ""}, format="json")
    rejected = api_client.post(f"{URL}{second.pk}/reject/", {"reason": "Expired certificate"}, format="json")
    again = api_client.post(f"{URL}{first.pk}/verify/")
    # then
    assert (verified_.status_code, verified_.json()["state"]) == (200, "verified")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    assert (rejected.status_code, rejected.json()["rejection_reason"]) == (200, "Expired certificate")
    assert (again.status_code, again.json()["code"]) == (409, "invalid_certification_transition")


@pytest.mark.parametrize("who", ["analyst", "other_manager", "partner_admin"])
def test_others_cannot_decide(api_client, alpha, who):
    # given
    certification = record(alpha)
    actor = (
        partner_login(alpha, role="partner_admin")
        if who == "partner_admin"
        else UserFactory(role="analyst" if who == "analyst" else "manager")
    )
    api_client.force_authenticate(actor)
    # when
    response = api_client.post(f"{URL}{certification.pk}/verify/")
    # then
    assert response.status_code == 403
    certification.refresh_from_db()
    assert certification.state == "pending"


@pytest.mark.parametrize("rows", [1, 20])
def test_the_list_query_count_is_flat(api_client, owner, django_assert_max_num_queries, rows):
    # given: certifications of ``rows`` partners, each its own contact, all in healthcare
    for _ in range(rows):
        record(PartnerFactory(status="active"))
    reference()  # the verticals come from the cache, warm in production
    _, key = api_token_create(user=owner)
    # when: the token, the user's groups (role), the bounded count, the page with partner, contact
    # and definition joined
    with django_assert_max_num_queries(4):
        response = api_client.get(
            f"{URL}?vertical=healthcare&state=pending&search=a&page_size=50", HTTP_AUTHORIZATION=f"Token {key}"
        )
    # then
    assert response.status_code == 200, response.content
    assert len(response.json()["results"]) == rows


def test_every_login_reads_the_definitions_and_only_administrators_change_them(api_client, alpha, admin_user, owner):
    # given
    definition()
    api_client.force_authenticate(partner_login(alpha))
    # then: a partner reads the catalogue, writes nothing
    listed = api_client.get("/api/v1/certification-definitions/")
    assert [row["name"] for row in listed.json()["results"]] == ["Clinical integration"]
    assert api_client.post("/api/v1/certification-definitions/", {"name": "X"}, format="json").status_code == 403
    api_client.force_authenticate(owner)
    assert api_client.post("/api/v1/certification-definitions/", {"name": "X"}, format="json").status_code == 403
    # when: an administrator adds and changes one
    api_client.force_authenticate(admin_user)
    body = {"name": "Payments security", "vertical": "financial-services", "validity_months": 36}
    created = api_client.post("/api/v1/certification-definitions/", body, format="json")
    changed = api_client.patch(
        f"/api/v1/certification-definitions/{created.json()['id']}/", {"is_active": False}, format="json"
    )
    # then
    assert created.status_code == 201, created.content
    assert changed.json()["is_active"] is False
    assert CertificationDefinition.objects.get(name="Payments security").validity_months == 36


def test_a_definition_for_an_unknown_vertical_is_refused(api_client, admin_user):
    # given
    api_client.force_authenticate(admin_user)
    # when
    response = api_client.post(
        "/api/v1/certification-definitions/",
        {"name": "Stars", "vertical": "astrology", "validity_months": 0},
        format="json",
    )
    # then
    assert response.status_code == 400
    assert response.json()["validity_months"]
    assert not CertificationDefinition.objects.exists()
    unknown = api_client.post(
        "/api/v1/certification-definitions/",
        {"name": "Stars", "vertical": "astrology", "validity_months": 12},
        format="json",
    )
    assert unknown.status_code == 400
    assert unknown.json()["vertical"] == ["Unknown vertical “astrology”."]
