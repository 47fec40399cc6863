import re

import pytest
from playwright.sync_api import expect

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.partners.factories import PartnerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_manager_filters_the_list_opens_a_partner_and_edits_it(page):
    # given
    manager = UserFactory(email="maria@example.com", username="maria@example.com", first_name="Maria")
    PartnerFactory(name="Helix Health", type="channel", regions=["DACH"], owner=manager)
    PartnerFactory(name="Nordwind Capital", type="financial", regions=["NORDICS"])
    # when: log in and open the partner list
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(manager.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name=re.compile("log in|sign in", re.I)).click()
    expect(page).to_have_url(re.compile(r"/$"))
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Partners").click()
    results = page.locator("#partner-results")
    expect(results.get_by_role("link", name="Nordwind Capital")).to_be_visible()
    page.wait_for_load_state("load")  # htmx (deferred) listens from DOMContentLoaded on
    page.evaluate("window.stillTheSamePage = true")
    # when: filter by type; htmx swaps the results and pushes the URL
    page.get_by_label("Type").select_option("channel")
    # then
    expect(page).to_have_url(re.compile(r"/partners/\?type=channel"))
    assert page.evaluate("window.stillTheSamePage") is True  # no full reload
    expect(results.get_by_role("link", name="Nordwind Capital")).to_have_count(0)
    expect(results).to_contain_text("1 partner")
    # when: open the partner and edit its website
    results.get_by_role("link", name="Helix Health").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Helix Health")
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Website").fill("https://helix-health.example")
    page.get_by_label("Western Europe (WE)").check()
    page.get_by_role("button", name="Save changes").click()
    # then: back on the partner page with the change
    expect(page).to_have_url(re.compile(r"/partners/\d+/$"))
    expect(page.get_by_role("alert")).to_contain_text("Helix Health was saved.")
    profile = page.get_by_role("region", name="Profile")
    expect(profile.get_by_role("link", name=re.compile("helix-health.example"))).to_have_attribute(
        "href", "https://helix-health.example"
    )
    expect(profile).to_contain_text("Western Europe")
    expect(page.get_by_role("region", name="Timeline")).to_contain_text("Updated website, regions")
