"""Adding, editing and removing a partner's contacts from the portal."""

import pytest

from partners.models import Activity, Contact
from partners.services import PRIMARY_TAKEN, contact_add, partner_create


@pytest.fixture
def staff_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def partner(manager):
    return partner_create(actor=manager, name="Helix Health", type="channel", country="DE", owner=manager)


@pytest.fixture
def primary(manager, partner):
    return contact_add(
        partner_id=partner.pk, actor=manager, name="Greta Berg", email="greta@helix.example", role="primary"
    )


def _contact(**overrides) -> dict:
    return {
        "name": "Jonas Weber",
        "email": "Jonas@Helix.example",
        "phone": "+49 30 1234",
        "title": "CTO",
        "role": "technical",
        **overrides,
    }


def test_contact_form_has_a_label_for_every_field(staff_client, partner):
    # when
    html = staff_client.get(f"/partners/{partner.pk}/contacts/new/").content.decode()
    # then
    for name in ("name", "email", "phone", "title", "role"):
        assert f'for="id_{name}"' in html, name


def test_adding_a_contact_saves_it_and_returns_to_the_partner(staff_client, manager, partner):
    # when
    response = staff_client.post(f"/partners/{partner.pk}/contacts/new/", _contact(), follow=True)
    # then
    assert response.redirect_chain == [(f"/partners/{partner.pk}/#contacts", 302)]
    assert "Jonas Weber was added as a contact." in response.content.decode()
    contact = Contact.objects.get(partner=partner)
    assert (contact.email, contact.role, contact.title) == ("jonas@helix.example", "technical", "CTO")
    assert Activity.objects.filter(partner=partner, kind="contact_added", actor=manager).exists()


def test_a_second_primary_contact_is_refused_on_the_role_field(staff_client, partner, primary):
    # when
    response = staff_client.post(f"/partners/{partner.pk}/contacts/new/", _contact(role="primary"))
    # then
    html = response.content.decode()
    assert response.status_code == 400
    assert PRIMARY_TAKEN in html[html.index('id="id_role_error"') :][:300]
    assert list(Contact.objects.filter(partner=partner)) == [primary]


def test_a_duplicate_email_is_refused_on_the_email_field(staff_client, partner, primary):
    # when
    response = staff_client.post(f"/partners/{partner.pk}/contacts/new/", _contact(email="GRETA@helix.example"))
    # then
    html = response.content.decode()
    assert response.status_code == 400
    assert "already has a contact with this e-mail" in html[html.index('id="id_email_error"') :][:300]
    assert Contact.objects.filter(partner=partner).count() == 1


def test_a_bad_email_is_shown_next_to_the_field(staff_client, partner):
    # when
    response = staff_client.post(f"/partners/{partner.pk}/contacts/new/", _contact(email="not-an-address"))
    # then
    html = response.content.decode()
    assert response.status_code == 400
    assert "Enter a valid email address." in html[html.index('id="id_email_error"') :][:300]
    assert not Contact.objects.exists()


def test_editing_a_contact_changes_it(staff_client, manager, partner, primary):
    # when
    response = staff_client.post(
        f"/partners/{partner.pk}/contacts/{primary.pk}/edit/",
        _contact(name="Greta Berg", email="greta@helix.example", role="primary", title="CEO"),
    )
    # then
    assert response.status_code == 302
    primary.refresh_from_db()
    assert primary.title == "CEO"
    update = Activity.objects.get(partner=partner, kind="contact_updated")
    assert set(update.data["changes"]) == {"title", "phone"}


def test_making_a_second_contact_primary_is_refused_on_the_role_field(staff_client, manager, partner, primary):
    # given
    other = contact_add(partner_id=partner.pk, actor=manager, name="Jonas Weber", email="jonas@helix.example")
    # when
    response = staff_client.post(
        f"/partners/{partner.pk}/contacts/{other.pk}/edit/", _contact(email="jonas@helix.example", role="primary")
    )
    # then
    html = response.content.decode()
    assert response.status_code == 400
    assert PRIMARY_TAKEN in html[html.index('id="id_role_error"') :][:300]
    other.refresh_from_db()
    assert other.role == "sales"


def test_removing_a_contact_asks_first_then_removes_it(staff_client, partner, primary):
    # when
    confirm = staff_client.get(f"/partners/{partner.pk}/contacts/{primary.pk}/remove/")
    removed = staff_client.post(f"/partners/{partner.pk}/contacts/{primary.pk}/remove/")
    # then
    assert confirm.status_code == 200
    assert "Remove Greta Berg?" in confirm.content.decode()
    assert removed.status_code == 302
    assert not Contact.objects.filter(pk=primary.pk).exists()
    assert Activity.objects.filter(partner=partner, kind="contact_removed").exists()


def test_a_contact_is_only_reached_through_its_own_partner(staff_client, manager, partner, primary):
    # given
    other = partner_create(actor=manager, name="Nordwind", type="sales", country="SE", owner=manager)
    # when
    edit = staff_client.get(f"/partners/{other.pk}/contacts/{primary.pk}/edit/")
    remove = staff_client.post(f"/partners/{other.pk}/contacts/{primary.pk}/remove/")
    # then
    assert edit.status_code == 404
    assert remove.status_code == 404
    assert Contact.objects.filter(pk=primary.pk).exists()
