"""Managers change the partners they own, or all of them with partners.manage_all_partners;
every staff role still reads every partner; analysts read only; admins change everything."""

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from partners.models import Activity, Contact, Partner
from partners.records.models import Agreement, BusinessReview, ReportedMetric
from partners.roles import can_change_partner
from tests.factories import UserFactory
from tests.partners.factories import ContactFactory, PartnerFactory


@pytest.fixture
def owner(db):
    return UserFactory(role="manager")


@pytest.fixture
def other_manager(db):
    return UserFactory(role="manager")


@pytest.fixture
def partner(owner):
    return PartnerFactory(name="Helix Health", owner=owner)


@pytest.fixture
def contact(partner):
    return ContactFactory(partner=partner, name="Greta Berg")


def _grant_all(user):
    user.user_permissions.add(
        Permission.objects.get(codename="manage_all_partners", content_type__app_label="partners")
    )


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- the rule -------------------------------------------------------------------------------


def test_the_rule_owner_grant_admin_analyst(owner, other_manager, partner):
    # given
    analyst_owner = UserFactory(role="analyst")
    granted = UserFactory(role="manager")
    _grant_all(granted)
    granted_analyst = UserFactory(role="analyst")
    _grant_all(granted_analyst)
    # then
    assert can_change_partner(owner, partner)
    assert not can_change_partner(other_manager, partner)
    assert can_change_partner(granted, partner)
    assert can_change_partner(UserFactory(role="admin"), partner)
    assert not can_change_partner(granted_analyst, partner)
    assert not can_change_partner(analyst_owner, PartnerFactory(owner=analyst_owner))


# --- API ------------------------------------------------------------------------------------


def test_a_manager_patches_a_partner_they_own(owner, partner):
    # when
    response = _api(owner).patch(f"/api/v1/partners/{partner.pk}/", {"engagement": "strategic"}, format="json")
    # then
    assert response.status_code == 200, response.content
    assert Partner.objects.get(pk=partner.pk).engagement == "strategic"


def test_a_manager_cannot_change_someone_elses_partner_in_the_api(other_manager, partner):
    # given
    client = _api(other_manager)
    url = f"/api/v1/partners/{partner.pk}/"
    # when
    read = client.get(url)
    patched = client.patch(url, {"engagement": "strategic"}, format="json")
    deleted = client.delete(url)
    # then: still readable, not changeable
    assert read.status_code == 200
    assert patched.status_code == 403
    assert patched.json()["code"] == "permission_denied"
    assert deleted.status_code == 403
    stored = Partner.objects.get(pk=partner.pk)
    assert (stored.engagement, stored.status, stored.version) == (partner.engagement, partner.status, partner.version)


def test_a_manager_granted_all_partners_changes_any(other_manager, partner):
    # given: the owner's partner and a partner nobody owns
    unowned = PartnerFactory(name="Nordwind", owner=None, engagement="arms_length")
    _grant_all(other_manager)
    client = _api(other_manager)
    before = {p.pk: p.version for p in (partner, unowned)}
    # when
    responses = [
        client.patch(f"/api/v1/partners/{target.pk}/", {"engagement": "strategic"}, format="json")
        for target in (partner, unowned)
    ]
    # then: both changed, each by one version, on the granted manager's name
    assert [response.status_code for response in responses] == [200, 200], [r.content for r in responses]
    stored = Partner.objects.filter(pk__in=before).order_by("pk")
    assert [(p.pk, p.engagement, p.version) for p in stored] == [
        (pk, "strategic", version + 1) for pk, version in sorted(before.items())
    ]
    assert [p.owner_id for p in stored] == [partner.owner_id, None]
    changes = Activity.objects.filter(partner__in=stored, kind=Activity.Kind.UPDATED).order_by("partner_id")
    assert [(a.partner_id, a.actor_id, a.data["changes"]["engagement"][1]) for a in changes] == [
        (pk, other_manager.pk, "strategic") for pk in sorted(before)
    ]


def test_an_admin_changes_any_partner_and_an_analyst_none(partner):
    # when
    by_admin = _api(UserFactory(role="admin")).patch(
        f"/api/v1/partners/{partner.pk}/", {"engagement": "strategic"}, format="json"
    )
    by_analyst = _api(UserFactory(role="analyst")).patch(
        f"/api/v1/partners/{partner.pk}/", {"engagement": "transactional"}, format="json"
    )
    # then
    assert by_admin.status_code == 200
    assert by_analyst.status_code == 403
    assert Partner.objects.get(pk=partner.pk).engagement == "strategic"


def test_any_manager_still_creates_partners(other_manager):
    # when
    response = _api(other_manager).post(
        "/api/v1/partners/", {"name": "Nordwind", "type": "sales", "country": "SE"}, format="json"
    )
    # then
    assert response.status_code == 201, response.content


def test_contacts_of_someone_elses_partner_cannot_be_added_changed_or_removed(other_manager, partner, contact):
    # given
    client = _api(other_manager)
    # when
    added = client.post(
        "/api/v1/contacts/",
        {"partner": partner.pk, "name": "Anna Berg", "email": "anna@helix.example", "role": "sales"},
        format="json",
    )
    patched = client.patch(f"/api/v1/contacts/{contact.pk}/", {"name": "Changed"}, format="json")
    removed = client.delete(f"/api/v1/contacts/{contact.pk}/")
    # then
    assert (added.status_code, patched.status_code, removed.status_code) == (403, 403, 403)
    assert list(Contact.objects.filter(partner=partner).values_list("name", flat=True)) == ["Greta Berg"]


def test_the_owner_adds_a_contact_in_the_api(owner, partner):
    # when
    response = _api(owner).post(
        "/api/v1/contacts/",
        {"partner": partner.pk, "name": "Anna Berg", "email": "anna@helix.example", "role": "sales"},
        format="json",
    )
    # then
    assert response.status_code == 201, response.content


def test_records_of_someone_elses_partner_cannot_be_written(owner, other_manager, partner):
    # given
    agreement = Agreement.objects.create(partner=partner, kind="reseller", title="Reseller", start_on="2026-01-01")
    mine = PartnerFactory(owner=other_manager)
    client = _api(other_manager)
    metric = {"key": "csat", "period_start": "2026-10-01", "period_end": "2026-10-31", "value": "4.5"}
    # when
    created = client.post(
        "/api/v1/agreements/",
        {"partner": partner.pk, "kind": "reseller", "title": "Another", "start_on": "2026-02-01"},
        format="json",
    )
    patched = client.patch(f"/api/v1/agreements/{agreement.pk}/", {"title": "Changed"}, format="json")
    reported = client.post(
        "/api/v1/metrics/", [{"partner": mine.pk, **metric}, {"partner": partner.pk, **metric}], format="json"
    )
    review = client.post(
        "/api/v1/reviews/", {"partner": partner.pk, "held_on": "2026-03-01", "kind": "business_review"}, format="json"
    )
    # then: nothing written, not even the row for the caller's own partner in the list
    assert (created.status_code, patched.status_code, reported.status_code, review.status_code) == (403,) * 4
    assert list(Agreement.objects.values_list("title", flat=True)) == ["Reseller"]
    assert not ReportedMetric.objects.exists()
    assert not BusinessReview.objects.exists()
    # and the owner writes them
    assert (
        _api(owner).patch(f"/api/v1/agreements/{agreement.pk}/", {"title": "Changed"}, format="json").status_code == 200
    )


# --- manager portal -------------------------------------------------------------------------


def _edit_form(partner: Partner, **overrides) -> dict:
    return {
        "name": partner.name,
        "legal_name": partner.legal_name,
        "slug": partner.slug,
        "type": partner.type,
        "engagement": partner.engagement,
        "country": partner.country.code,
        "website": partner.website,
        "regions": partner.regions,
        "verticals": partner.verticals,
        "owner": partner.owner_id or "",
        "description": partner.description,
        "expected_version": partner.version,
        **overrides,
    }


def test_the_owner_edits_their_partner_in_the_portal(client, owner, partner):
    # given
    client.force_login(owner)
    # when
    page = client.get(f"/partners/{partner.pk}/edit/")
    saved = client.post(f"/partners/{partner.pk}/edit/", _edit_form(partner, name="Helix Health Group"))
    # then
    assert page.status_code == 200
    assert saved.status_code == 302
    assert Partner.objects.get(pk=partner.pk).name == "Helix Health Group"


def test_another_manager_gets_403_on_every_portal_write_and_nothing_changes(client, other_manager, partner, contact):
    # given
    client.force_login(other_manager)
    writes = [
        (f"/partners/{partner.pk}/edit/", _edit_form(partner, name="Changed")),
        (f"/partners/{partner.pk}/status/", {"status": "inactive", "reason": "x", "expected_version": partner.version}),
        (f"/partners/{partner.pk}/contacts/new/", {"name": "Anna", "email": "anna@helix.example", "role": "sales"}),
        (f"/partners/{partner.pk}/contacts/{contact.pk}/edit/", {"name": "Changed", "email": contact.email}),
        (f"/partners/{partner.pk}/contacts/{contact.pk}/remove/", {}),
    ]
    # when / then
    for url, data in writes:
        assert client.get(url).status_code == 403, url
        assert client.post(url, data).status_code == 403, url
    stored = Partner.objects.get(pk=partner.pk)
    assert (stored.name, stored.status, stored.version) == (partner.name, partner.status, partner.version)
    assert list(Contact.objects.filter(partner=partner).values_list("name", flat=True)) == ["Greta Berg"]


def test_a_manager_granted_all_partners_edits_in_the_portal(client, other_manager, partner):
    # given
    _grant_all(other_manager)
    client.force_login(other_manager)
    # when
    saved = client.post(f"/partners/{partner.pk}/edit/", _edit_form(partner, name="Helix Health Group"))
    # then
    assert saved.status_code == 302
    assert Partner.objects.get(pk=partner.pk).name == "Helix Health Group"


def test_the_partner_page_shows_edit_actions_only_to_who_may_change_it(client, owner, other_manager, partner, contact):
    # given
    edit_links = [
        f'href="/partners/{partner.pk}/edit/"',
        f'href="/partners/{partner.pk}/status/"',
        f'href="/partners/{partner.pk}/contacts/new/"',
        f'href="/partners/{partner.pk}/contacts/{contact.pk}/edit/"',
    ]
    # when
    client.force_login(other_manager)
    not_owner = client.get(f"/partners/{partner.pk}/").content.decode()
    client.force_login(owner)
    as_owner = client.get(f"/partners/{partner.pk}/").content.decode()
    # then
    assert "Helix Health" in not_owner
    assert not [link for link in edit_links if link in not_owner]
    assert all(link in as_owner for link in edit_links)
