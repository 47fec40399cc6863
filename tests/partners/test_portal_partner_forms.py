"""Creating and editing a partner, and changing its status, from the portal."""

import re

import pytest

from partners.models import Activity, Partner
from partners.services import partner_change_status, partner_create, partner_update


@pytest.fixture
def staff_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def partner(manager):
    return partner_create(
        actor=manager,
        name="Helix Health",
        type="channel",
        country="DE",
        regions=["DACH"],
        verticals=["healthcare"],
        owner=manager,
    )


def _form(**overrides) -> dict:
    data = {
        "name": "Nordwind Systems",
        "legal_name": "Nordwind Systems AB",
        "slug": "",
        "type": "technology",
        "engagement": "strategic",
        "country": "SE",
        "website": "https://nordwind.example",
        "regions": ["NORDICS", "DACH"],
        "verticals": ["manufacturing"],
        "owner": "",
        "description": "Industrial IoT.",
    }
    return {**data, **overrides}


def _edit_form(partner: Partner, **overrides) -> dict:
    data = {
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
    }
    return {**data, **overrides}


# --- create ---------------------------------------------------------------------------


def test_new_partner_form_has_labelled_fields_and_grouped_checkboxes(staff_client):
    # when
    response = staff_client.get("/partners/new/")
    # then
    html = response.content.decode()
    assert response.status_code == 200
    for name in ("name", "legal_name", "slug", "type", "engagement", "country", "website", "owner", "description"):
        assert f'for="id_{name}"' in html, name
    assert '<legend class="form-label fs-6 mb-1">Regions</legend>' in html
    assert html.count('type="checkbox" name="regions"') == 16
    assert html.count('type="checkbox" name="verticals"') == 10
    assert '<select name="country"' in html


def test_creating_a_partner_saves_it_through_the_service_and_opens_its_page(staff_client, manager):
    # when
    response = staff_client.post("/partners/new/", _form(owner=manager.pk), follow=True)
    # then
    partner = Partner.objects.get(name="Nordwind Systems")
    assert response.redirect_chain == [(f"/partners/{partner.pk}/", 302)]
    assert "Nordwind Systems was added to the registry." in response.content.decode()
    assert partner.slug == "nordwind-systems"
    assert partner.type == "technology"
    assert partner.status == "prospect"
    assert partner.country.code == "SE"
    assert partner.regions == ["NORDICS", "DACH"]
    assert partner.verticals == ["manufacturing"]
    assert partner.owner == manager
    assert Activity.objects.filter(partner=partner, kind="created", actor=manager).exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"website": "not a url"}, "website", "Enter a valid URL."),
        ({"name": "x" * 201}, "name", "Ensure this value has at most 200 characters"),
        ({"name": ""}, "name", "This field is required."),
        ({"regions": ["DACH", "ATLANTIS"]}, "regions", "Select a valid choice. ATLANTIS"),
        ({"verticals": ["alchemy"]}, "verticals", "Select a valid choice. alchemy"),
        ({"country": "XX"}, "country", "Select a valid choice."),
        ({"type": "friend"}, "type", "Select a valid choice."),
        ({"slug": "not a slug!"}, "slug", "Enter a valid “slug”"),
    ],
)
def test_bad_input_is_shown_next_to_its_field_and_nothing_is_created(staff_client, overrides, field, message):
    # when
    response = staff_client.post("/partners/new/", _form(**overrides))
    # then
    html = response.content.decode()
    assert response.status_code == 400
    error = html[html.index(f'id="id_{field}_error"') :][:400]
    assert message in error
    assert not Partner.objects.exists()


def test_a_taken_slug_is_refused_on_the_slug_field(staff_client, partner):
    # when
    response = staff_client.post("/partners/new/", _form(slug=partner.slug))
    # then
    html = response.content.decode()
    assert response.status_code == 400
    assert "already exists" in html[html.index('id="id_slug_error"') :][:300]
    assert Partner.objects.count() == 1


def test_a_second_partner_with_the_same_name_gets_its_own_slug(staff_client, partner):
    # when
    response = staff_client.post("/partners/new/", _form(name=partner.name))
    # then
    assert response.status_code == 302
    assert sorted(Partner.objects.values_list("slug", flat=True)) == ["helix-health", "helix-health-2"]


# --- edit -----------------------------------------------------------------------------


def test_edit_form_is_filled_with_the_partner(staff_client, partner):
    # when
    html = staff_client.get(f"/partners/{partner.pk}/edit/").content.decode()
    # then
    assert 'value="Helix Health"' in html
    assert re.search(r'<input type="checkbox" name="regions" value="DACH"[^>]* checked>', html)
    assert not re.search(r'<input type="checkbox" name="regions" value="WE"[^>]* checked>', html)
    assert re.search(r'<option value="DE" selected>Germany</option>', html)
    assert f'name="expected_version" value="{partner.version}"' in html


def test_editing_a_partner_changes_only_what_was_changed(staff_client, manager, partner):
    # when
    response = staff_client.post(
        f"/partners/{partner.pk}/edit/", _edit_form(partner, website="https://helix.example", regions=["DACH", "WE"])
    )
    # then
    assert response.status_code == 302
    assert response["Location"] == f"/partners/{partner.pk}/"
    partner.refresh_from_db()
    assert partner.website == "https://helix.example"
    assert partner.regions == ["DACH", "WE"]
    update = Activity.objects.get(partner=partner, kind="updated")
    assert set(update.data["changes"]) == {"website", "regions"}
    assert update.actor == manager


def test_saving_an_unchanged_form_changes_nothing(staff_client, partner):
    # when
    response = staff_client.post(f"/partners/{partner.pk}/edit/", _edit_form(partner), follow=True)
    # then
    assert "Nothing was changed." in response.content.decode()
    partner.refresh_from_db()
    assert partner.version == 1
    assert not Activity.objects.filter(partner=partner, kind="updated").exists()


def test_an_emptied_slug_keeps_the_current_one(staff_client, partner):
    # when
    staff_client.post(f"/partners/{partner.pk}/edit/", _edit_form(partner, slug="", name="Helix Care"))
    # then
    partner.refresh_from_db()
    assert (partner.name, partner.slug) == ("Helix Care", "helix-health")


def test_editing_with_bad_input_shows_field_errors_and_changes_nothing(staff_client, partner):
    # when
    response = staff_client.post(
        f"/partners/{partner.pk}/edit/", _edit_form(partner, website="ftp//broken", regions=["ATLANTIS"])
    )
    # then
    html = response.content.decode()
    assert response.status_code == 400
    assert "Enter a valid URL." in html
    assert "Select a valid choice. ATLANTIS" in html
    assert "<h1" in html and "Edit Helix Health" in html
    partner.refresh_from_db()
    assert partner.website == ""
    assert partner.regions == ["DACH"]


def test_a_slug_taken_by_another_partner_is_refused_on_edit(staff_client, manager, partner):
    # given
    other = partner_create(actor=manager, name="Nordwind", type="sales", country="SE")
    # when
    response = staff_client.post(f"/partners/{partner.pk}/edit/", _edit_form(partner, slug=other.slug))
    # then
    assert response.status_code == 400
    assert "already exists" in response.content.decode()
    partner.refresh_from_db()
    assert partner.slug == "helix-health"


def test_saving_over_a_change_made_meanwhile_is_refused(staff_client, manager, partner):
    # given: the form was opened, then someone else renamed the partner
    form = _edit_form(partner, website="https://helix.example")
    partner_update(partner_id=partner.pk, actor=manager, name="Helix Care")
    # when
    response = staff_client.post(f"/partners/{partner.pk}/edit/", form)
    # then
    assert response.status_code == 412
    assert "changed since you read it" in response.content.decode()
    partner.refresh_from_db()
    assert (partner.name, partner.website) == ("Helix Care", "")


# --- status ---------------------------------------------------------------------------


def test_status_page_offers_only_the_allowed_next_statuses(staff_client, partner):
    # when: a prospect may become onboarding or terminated
    html = staff_client.get(f"/partners/{partner.pk}/status/").content.decode()
    # then
    offered = {value for value in ("prospect", "onboarding", "active", "inactive", "terminated")
               if f'name="status" value="{value}"' in html}  # fmt: skip
    assert offered == {"onboarding", "terminated"}
    assert 'for="id_reason"' in html


def test_changing_the_status_records_it_with_the_reason(staff_client, manager, partner):
    # when
    response = staff_client.post(
        f"/partners/{partner.pk}/status/",
        {"status": "onboarding", "reason": "Contract signed", "expected_version": partner.version},
        follow=True,
    )
    # then
    assert response.redirect_chain == [(f"/partners/{partner.pk}/", 302)]
    assert "Helix Health is now onboarding." in response.content.decode()
    partner.refresh_from_db()
    assert partner.status == "onboarding"
    change = Activity.objects.get(partner=partner, kind="status_changed")
    assert change.data == {"from": "prospect", "to": "onboarding", "reason": "Contract signed"}
    assert change.actor == manager


def test_an_illegal_status_is_shown_as_an_error_and_nothing_changes(staff_client, partner):
    # when: a prospect cannot become active directly
    response = staff_client.post(f"/partners/{partner.pk}/status/", {"status": "active"})
    # then
    html = response.content.decode()
    assert response.status_code == 409
    error = html[html.index('id="id_status_error"') :][:300]
    assert "A partner that is prospect cannot become active; allowed: onboarding, terminated." in error
    partner.refresh_from_db()
    assert partner.status == "prospect"
    assert not Activity.objects.filter(partner=partner, kind="status_changed").exists()


def test_a_status_change_on_a_partner_changed_meanwhile_is_refused(staff_client, manager, partner):
    # given: the page was opened on a prospect; meanwhile someone moved it to onboarding and
    # back, so "onboarding" is allowed again but the page's version is stale
    opened_version = partner.version
    partner_change_status(partner_id=partner.pk, actor=manager, status="terminated")
    partner_change_status(partner_id=partner.pk, actor=manager, status="prospect")
    # when
    response = staff_client.post(
        f"/partners/{partner.pk}/status/", {"status": "onboarding", "expected_version": opened_version}
    )
    # then
    assert response.status_code == 412
    assert "changed since you read it" in response.content.decode()
    partner.refresh_from_db()
    assert partner.status == "prospect"


def test_status_change_without_a_choice_asks_for_one(staff_client, partner):
    # when
    response = staff_client.post(f"/partners/{partner.pk}/status/", {"reason": "why not"})
    # then
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
