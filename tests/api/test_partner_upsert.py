"""PUT /api/v1/partners/by-external-id/{external_id}/: integrations create or update in one idempotent call."""

import pytest

from partners.models import Activity, Partner
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/partners/by-external-id/{}/"


@pytest.fixture
def body(manager):
    """A whole partner owned by the calling manager (managers change the partners they own)."""
    return {
        "name": "Helix Health",
        "type": "channel",
        "country": "DE",
        "regions": ["DACH"],
        "verticals": ["healthcare"],
        "owner": manager.pk,
    }


def test_a_put_creates_the_partner_once_and_then_updates_it(manager_client, body):
    # when: the same call twice, then a changed one
    first = manager_client.put(URL.format("crm-0042"), body, format="json")
    again = manager_client.put(URL.format("crm-0042"), body, format="json")
    changed = manager_client.put(URL.format("crm-0042"), {**body, "name": "Helix Health AG"}, format="json")
    # then
    assert first.status_code == 201, first.content
    assert first["Location"] == f"/api/v1/partners/{first.json()['id']}/"
    assert again.status_code == 200
    assert changed.status_code == 200
    partner = Partner.objects.get(external_id="crm-0042")
    assert Partner.objects.filter(external_id="crm-0042").count() == 1
    assert partner.name == "Helix Health AG"
    assert first.json()["external_id"] == "crm-0042"
    assert changed["ETag"] == partner.etag
    # the repeated identical call changed nothing: created, then one update
    kinds = list(Activity.objects.filter(partner=partner).order_by("id").values_list("kind", flat=True))
    assert kinds == [Activity.Kind.CREATED, Activity.Kind.UPDATED]


def test_get_by_external_id_and_the_external_id_filter(manager_client, body):
    # given
    created = manager_client.put(URL.format("sf:001ABC"), body, format="json").json()
    manager_client.post("/api/v1/partners/", {**body, "name": "Other"}, format="json")
    # when
    found = manager_client.get(URL.format("sf:001ABC"))
    missing = manager_client.get(URL.format("sf:002XYZ"))
    listed = manager_client.get("/api/v1/partners/?external_id=sf:001ABC")
    # then
    assert found.status_code == 200
    assert found.json()["id"] == created["id"]
    assert missing.status_code == 404
    assert [row["id"] for row in listed.json()["results"]] == [created["id"]]


def test_a_put_validates_like_any_other_write_and_stores_nothing_when_invalid(manager_client, body):
    # when
    response = manager_client.put(
        URL.format("crm-1"), {**body, "regions": ["ATLANTIS"], "type": "pirate"}, format="json"
    )
    # then
    assert response.status_code == 400
    assert set(response.json()) >= {"type"}
    assert not Partner.objects.filter(external_id="crm-1").exists()


def test_if_match_updates_only_the_version_read_and_if_none_match_only_creates(manager_client, body):
    # given
    created = manager_client.put(URL.format("crm-7"), body, format="json")
    etag = created["ETag"]
    # when
    stale = manager_client.put(URL.format("crm-7"), {**body, "name": "B"}, format="json", HTTP_IF_MATCH='"1-999"')
    fresh = manager_client.put(URL.format("crm-7"), {**body, "name": "C"}, format="json", HTTP_IF_MATCH=etag)
    absent = manager_client.put(URL.format("crm-8"), body, format="json", HTTP_IF_MATCH="*")
    exists = manager_client.put(URL.format("crm-7"), body, format="json", HTTP_IF_NONE_MATCH="*")
    # then
    assert stale.status_code == 412
    assert fresh.status_code == 200
    assert absent.status_code == 412
    assert exists.status_code == 412
    assert Partner.objects.get(external_id="crm-7").name == "C"
    assert not Partner.objects.filter(external_id="crm-8").exists()


def test_an_external_id_taken_by_another_partner_is_a_field_error(manager_client, body):
    # given
    manager_client.put(URL.format("crm-1"), body, format="json")
    other = manager_client.post("/api/v1/partners/", {**body, "name": "Other"}, format="json").json()
    # when
    response = manager_client.patch(f"/api/v1/partners/{other['id']}/", {"external_id": "crm-1"}, format="json")
    # then
    assert response.status_code == 400
    assert "external_id" in response.json()
    assert Partner.objects.get(pk=other["id"]).external_id is None


def test_a_manager_updates_only_the_partners_they_own_and_partner_logins_never_upsert(api_client, manager_client, body):
    # given: the manager's partner, and a second manager and a partner admin
    manager_client.put(URL.format("crm-9"), body, format="json")
    partner = Partner.objects.get(external_id="crm-9")
    other_manager = UserFactory(role="manager")
    partner_admin = UserFactory(is_staff=False)
    partner.users.create(user=partner_admin, role="partner_admin")
    # when
    api_client.force_authenticate(other_manager)
    by_other_manager = api_client.put(URL.format("crm-9"), {**body, "name": "Taken"}, format="json")
    api_client.force_authenticate(partner_admin)
    by_partner = api_client.put(URL.format("crm-9"), {**body, "name": "Mine"}, format="json")
    read_by_partner = api_client.get(URL.format("crm-9"))
    # then
    assert by_other_manager.status_code == 403
    assert by_partner.status_code == 403
    assert read_by_partner.status_code == 200
    assert Partner.objects.get(pk=partner.pk).name == "Helix Health"


def test_a_partner_login_finds_no_other_organisation_by_external_id(api_client, manager_client, body):
    # given
    manager_client.put(URL.format("crm-a"), body, format="json")
    manager_client.put(URL.format("crm-b"), {**body, "name": "Bravo"}, format="json")
    alpha = Partner.objects.get(external_id="crm-a")
    login = UserFactory(is_staff=False)
    alpha.users.create(user=login, role="partner_member")
    api_client.force_authenticate(login)
    # when
    response = api_client.get(URL.format("crm-b"))
    listed = api_client.get("/api/v1/partners/?external_id=crm-b")
    # then
    assert response.status_code == 404
    assert "Bravo" not in response.content.decode()
    assert listed.json()["results"] == []
