"""Who may use the portal: staff read, admins and partner managers write, the rest is kept out."""

import pytest

from partners.models import Activity, Contact, Partner
from partners.views.access import can_write
from tests.factories import UserFactory
from tests.partners.factories import ContactFactory, PartnerFactory


@pytest.fixture
def partner(db):
    return PartnerFactory(name="Helix Health", status="prospect")


@pytest.fixture
def contact(partner):
    return ContactFactory(partner=partner, name="Greta Berg", role="sales")


def _writes(partner, contact) -> list[tuple[str, dict]]:
    return [
        ("/partners/new/", {"name": "Nordwind", "type": "sales", "engagement": "strategic", "country": "SE"}),
        (
            f"/partners/{partner.pk}/edit/",
            {"name": "Renamed", "type": "channel", "engagement": "collaborative", "country": "DE"},
        ),
        (f"/partners/{partner.pk}/status/", {"status": "onboarding"}),
        (f"/partners/{partner.pk}/contacts/new/", {"name": "Jonas", "email": "jonas@x.example", "role": "sales"}),
        (
            f"/partners/{partner.pk}/contacts/{contact.pk}/edit/",
            {"name": "Renamed", "email": "greta@x.example", "role": "primary"},
        ),
        (f"/partners/{partner.pk}/contacts/{contact.pk}/remove/", {}),
    ]


def _unchanged(partner, contact) -> bool:
    partner.refresh_from_db()
    return (
        Partner.objects.count() == 1
        and partner.name == "Helix Health"
        and partner.status == "prospect"
        and list(Contact.objects.values_list("name", "role")) == [("Greta Berg", "sales")]
        and not Activity.objects.exists()
    )


@pytest.mark.parametrize(("role", "writes"), [("admin", True), ("manager", True), ("analyst", False)])
def test_admins_and_managers_write_analysts_read(db, role, writes):
    assert can_write(UserFactory(role=role)) is writes


def test_an_analyst_gets_403_on_every_write_and_nothing_changes(client, partner, contact):
    # given
    client.force_login(UserFactory(role="analyst"))
    for url, data in _writes(partner, contact):
        # when
        form = client.get(url)
        post = client.post(url, data)
        # then
        assert (form.status_code, post.status_code) == (403, 403), url
    assert _unchanged(partner, contact)


def test_a_login_without_staff_rights_gets_404_on_every_write(client, partner, contact):
    # given
    client.force_login(UserFactory(is_staff=False))
    for url, data in _writes(partner, contact):
        # when
        response = client.post(url, data)
        # then
        assert response.status_code == 404, url
    assert _unchanged(partner, contact)


def test_anonymous_visitors_are_sent_to_log_in_and_nothing_changes(client, partner, contact):
    for url, data in _writes(partner, contact):
        # when
        response = client.post(url, data)
        # then
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), url
    assert _unchanged(partner, contact)


def test_an_admin_may_write(client, partner):
    # given
    client.force_login(UserFactory(role="admin"))
    # when
    response = client.post(f"/partners/{partner.pk}/status/", {"status": "onboarding"})
    # then
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.status == "onboarding"


def test_writes_to_an_unknown_partner_are_not_found(client, manager):
    # given
    client.force_login(manager)
    # when
    responses = [
        client.get("/partners/999999/edit/"),
        client.post("/partners/999999/status/", {"status": "onboarding"}),
        client.post("/partners/999999/contacts/new/", {"name": "X", "email": "x@x.example", "role": "sales"}),
    ]
    # then
    assert [response.status_code for response in responses] == [404, 404, 404]
