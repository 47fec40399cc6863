"""A partner user's token sees and changes what the partner portal lets it, nothing more."""

import pytest

from partners.models import Activity, Contact, Partner, PartnerUser
from partners.records.models import ReportedMetric
from partners.services import api_token_create
from tests.factories import UserFactory
from tests.partners.factories import ContactFactory, PartnerFactory


@pytest.fixture
def helix(db):
    return PartnerFactory(name="Helix Health", status="active", type="channel")


@pytest.fixture
def nordwind(db):
    return PartnerFactory(name="Nordwind Capital", status="active", type="financial")


def _token_for(partner, role) -> dict:
    user = UserFactory(is_staff=False)
    PartnerUser.objects.create(user=user, partner=partner, role=role)
    _, key = api_token_create(user=user)
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


def test_a_partner_token_lists_its_own_organisation_only(api_client, helix, nordwind):
    # when
    body = api_client.get("/api/v1/partners/", **_token_for(helix, "partner_member")).json()
    # then
    assert [row["name"] for row in body["results"]] == ["Helix Health"]
    assert body["count"] == 1


def test_another_organisation_is_not_found(api_client, helix, nordwind):
    # given
    headers = _token_for(helix, "partner_admin")
    # when / then
    assert api_client.get(f"/api/v1/partners/{nordwind.pk}/", **headers).status_code == 404
    assert (
        api_client.patch(f"/api/v1/partners/{nordwind.pk}/", {"name": "x"}, format="json", **headers).status_code == 404
    )
    assert Partner.objects.get(pk=nordwind.pk).name == "Nordwind Capital"


def test_a_partner_admin_edits_its_profile_but_not_what_is_the_managers(api_client, helix):
    # given
    headers = _token_for(helix, "partner_admin")
    # when
    ok = api_client.patch(f"/api/v1/partners/{helix.pk}/", {"description": "Integrator"}, format="json", **headers)
    forged = api_client.patch(
        f"/api/v1/partners/{helix.pk}/", {"description": "x", "status": "terminated", "owner": None}, format="json",
        **headers,
    )  # fmt: skip
    # then
    assert ok.status_code == 200
    assert forged.status_code == 403
    assert "status" in forged.json()["detail"]
    helix.refresh_from_db()
    assert (helix.description, helix.status) == ("Integrator", "active")


def test_a_partner_member_reads_but_cannot_write(api_client, helix):
    # given: what a partner admin of the same organisation may change
    Partner.objects.filter(pk=helix.pk).update(description="Integrator")
    stored = Partner.objects.values("description", "version", "updated_at").get(pk=helix.pk)
    headers = _token_for(helix, "partner_member")
    metric = {"key": "csat", "period_start": "2026-10-01", "period_end": "2026-10-31", "value": "4.6"}
    # when
    patched = api_client.patch(f"/api/v1/partners/{helix.pk}/", {"description": "x"}, format="json", **headers)
    contact = api_client.post(
        "/api/v1/contacts/", {"partner": helix.pk, "name": "Ines Berg", "email": "ines@helix.example"},
        format="json", **headers,
    )  # fmt: skip
    reported = api_client.post("/api/v1/metrics/", {**metric, "partner": helix.pk}, format="json", **headers)
    read = api_client.get(f"/api/v1/partners/{helix.pk}/", **headers)
    # then
    assert [patched.status_code, contact.status_code, reported.status_code] == [403, 403, 403]
    assert Partner.objects.values("description", "version", "updated_at").get(pk=helix.pk) == stored
    assert not Activity.objects.filter(partner=helix).exists()
    assert not Contact.objects.filter(partner=helix).exists()
    assert not ReportedMetric.objects.filter(partner=helix).exists()
    assert read.status_code == 200
    assert (read.json()["name"], read.json()["description"]) == ("Helix Health", "Integrator")


def test_a_partner_admin_adds_contacts_to_its_own_organisation_only(api_client, helix, nordwind):
    # given
    headers = _token_for(helix, "partner_admin")
    body = {"name": "Ines Berg", "email": "ines@helix.example"}
    # when
    mine = api_client.post("/api/v1/contacts/", {**body, "partner": helix.pk}, format="json", **headers)
    theirs = api_client.post("/api/v1/contacts/", {**body, "partner": nordwind.pk}, format="json", **headers)
    # then
    assert mine.status_code == 201
    assert theirs.status_code == 400
    assert "Nordwind" not in theirs.content.decode()
    assert not Contact.objects.filter(partner=nordwind).exists()


def test_partner_tokens_cannot_create_or_archive_partners(api_client, helix):
    # given
    headers = _token_for(helix, "partner_admin")
    # when / then
    new = {"name": "Mine Too", "type": "sales", "country": "DE"}
    assert api_client.post("/api/v1/partners/", new, format="json", **headers).status_code == 403
    assert api_client.delete(f"/api/v1/partners/{helix.pk}/", **headers).status_code == 403
    assert Partner.objects.get(pk=helix.pk).status == "active"


def test_a_partner_token_reads_its_own_records_and_reports_its_metrics(api_client, helix, nordwind):
    # given
    from datetime import date

    from partners.records.models import ReportedMetric

    ReportedMetric.objects.create(partner=nordwind, key="csat", period_start=date(2026, 9, 1),
                                  period_end=date(2026, 9, 30), value=3)  # fmt: skip
    headers = _token_for(helix, "partner_admin")
    metric = {"key": "csat", "period_start": "2026-10-01", "period_end": "2026-10-31", "value": "4.6"}
    # when
    mine = api_client.post("/api/v1/metrics/", {**metric, "partner": helix.pk}, format="json", **headers)
    theirs = api_client.post("/api/v1/metrics/", {**metric, "partner": nordwind.pk}, format="json", **headers)
    listed = api_client.get("/api/v1/metrics/", **headers).json()
    # then
    assert mine.status_code == 201
    assert theirs.status_code == 400
    assert [row["partner"] for row in listed["results"]] == [helix.pk]
    assert ReportedMetric.objects.filter(partner=nordwind).count() == 1


@pytest.mark.parametrize("path", ["/api/v1/partners/", "/api/v1/contacts/", "/api/v1/metrics/"])
def test_a_partner_token_s_cursor_walk_reads_its_own_organisation_only(api_client, manager, helix, nordwind, path):
    # given: rows of both organisations, and a manager's cursor into the whole list
    ContactFactory.create_batch(3, partner=helix)
    ContactFactory.create_batch(3, partner=nordwind)
    for partner in (helix, nordwind):
        ReportedMetric.objects.create(
            partner=partner, key="csat", period_start="2026-01-01", period_end="2026-01-31", value=4
        )  # fmt: skip
    api_client.force_authenticate(manager)
    managers_next = api_client.get(f"{path}?cursor=&page_size=1").json()["next"]
    api_client.force_authenticate(None)
    headers = _token_for(helix, "partner_member")
    # when: the partner's own walk, one row a page
    seen, url = [], f"{path}?cursor=&page_size=1"
    while url:
        body = api_client.get(url, **headers).json()
        seen += body["results"]
        url = body["next"]
    foreign = api_client.get(managers_next, **headers)
    # then: its rows only, and the manager's cursor is refused without a row
    partner_ids = {row["id"] if path.endswith("partners/") else row["partner"] for row in seen}
    assert seen and partner_ids == {helix.pk}
    assert (foreign.status_code, list(foreign.json())) == (400, ["cursor"])
