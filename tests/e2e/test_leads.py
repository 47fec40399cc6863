"""A manager creates a lead and it is offered to partner A at once; A's login sees it with the
time to answer, declines it with a reason (asked for one first); the manager finds the lead
offered to the next partner and reads the routing history: both decisions, their steps and the
reason given. Also opens the manual queue and the routing rules editor.

Set ``E2E_SCREENSHOTS`` to a folder to keep a full-page screenshot of every step at 1280 and 390
pixels wide.
"""

import re
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from playwright.sync_api import expect

from partners.models import PartnerUser
from programs.leads.models import Lead
from programs.leads.services import lead_create
from tests.e2e.helpers import log_in, screenshots
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_lead_is_offered_declined_with_a_reason_and_the_manager_sees_it_rerouted_with_its_history(
    browser, live_server
):
    # given: the default routing settings (a transactional test starts without them), two channel
    # partners covering DACH, and a lead from Australia that nobody covers
    import_module("programs.migrations.0016_lead_defaults").seed(django_apps, None)
    maria = UserFactory(email="maria@example.com", username="maria@example.com", first_name="Maria")
    alpha = PartnerFactory(name="Alpha Resellers", status="active", type="channel", regions=["DACH"], owner=maria)
    PartnerFactory(name="Bravo Partners", status="active", type="channel", regions=["EMEA"], owner=maria)
    lead_create(actor=None, company="Outback Mining", country="AU", source="event")
    amy = UserFactory(is_staff=False, email="amy@alpha.example", username="amy@alpha.example", first_name="Amy")
    PartnerUser.objects.create(user=amy, partner=alpha, role="partner_member")
    manager_side = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    partner_side = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    manager_page = manager_side.new_page()
    manager_page.set_default_timeout(15_000)

    # when: Maria opens the leads and creates one, first forgetting the country
    log_in(manager_page, maria)
    nav = manager_page.get_by_role("navigation", name="Main navigation")
    expect(nav.get_by_role("link", name=re.compile("Leads"))).to_contain_text("1")  # the manual queue
    nav.get_by_role("link", name=re.compile("Leads")).click()
    expect(manager_page.get_by_role("heading", name="Leads", exact=True)).to_be_visible()
    screenshots(manager_page, "leads", "1-manager-list")
    manager_page.get_by_role("link", name="New lead").click()
    manager_page.get_by_label(re.compile(r"^Company\W*$")).fill("Helix Clinics")
    manager_page.get_by_label("Contact name").fill("Jane Doe")
    manager_page.get_by_label("Contact e-mail").fill("jane@helix.example")
    manager_page.get_by_role("button", name="Create and route lead").click()
    expect(manager_page.locator("#id_country_error")).to_be_visible()
    screenshots(manager_page, "leads", "2-manager-create-error")
    manager_page.get_by_label("Country").select_option("DE")
    manager_page.get_by_label("Vertical").select_option("healthcare")
    manager_page.get_by_label("Company size").select_option("50-249")
    manager_page.get_by_label("Source").fill("web")
    manager_page.get_by_role("button", name="Create and route lead").click()
    # then: it is offered to Alpha at once
    expect(manager_page.get_by_text("Helix Clinics is offered to Alpha Resellers.")).to_be_visible()
    history = manager_page.locator("#routing-history")
    expect(history).to_contain_text("Lead created")
    expect(history).to_contain_text("Offered to Alpha Resellers")
    screenshots(manager_page, "leads", "3-manager-lead-offered")
    lead = Lead.objects.get(company="Helix Clinics")
    until = lead.respond_by.astimezone()

    # when: Amy logs in and opens her leads
    page = partner_side.new_page()
    page.set_default_timeout(15_000)
    log_in(page, amy)
    expect(page).to_have_url(re.compile(r"/partner/$"))
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Leads").click()
    # then: she sees it with the time to answer
    card = page.locator(f"[data-lead='{lead.pk}']")
    expect(card).to_contain_text("Helix Clinics")
    expect(card).to_contain_text(f"Answer by {until.day} {until:%b %Y}, {until:%H:%M}")
    expect(card).to_contain_text("left")
    screenshots(page, "leads", "4-partner-offered")
    # when: she declines without a reason, then with one
    card.get_by_role("link", name=re.compile("Decline")).click()
    expect(page.get_by_role("status").filter(has_text="Offered to you")).to_be_visible()
    page.get_by_role("button", name="Decline lead").click()
    expect(page.locator("#id_reason_error")).to_contain_text("Say why you decline this lead")
    screenshots(page, "leads", "5-partner-decline-error")
    page.get_by_label("Why do you decline?").fill("No healthcare team in Munich this quarter")
    page.get_by_role("button", name="Decline lead").click()
    expect(page.get_by_text("You declined Helix Clinics; it goes to another partner.")).to_be_visible()
    expect(page.get_by_role("heading", name="No leads waiting for your answer")).to_be_visible()
    page.get_by_role("link", name=re.compile("Declined or missed")).click()
    expect(page.get_by_role("cell", name=re.compile("No healthcare team"))).to_be_visible()
    screenshots(page, "leads", "6-partner-declined")

    # then: Maria sees the lead offered to Bravo, with both decisions and Amy's reason
    manager_page.goto("/leads/")
    row = manager_page.get_by_role("row", name=re.compile("Helix Clinics"))
    expect(row).to_contain_text("Bravo Partners")
    row.get_by_role("link", name="Helix Clinics").click()
    expect(manager_page.locator("#offers")).to_contain_text("No healthcare team in Munich this quarter")
    history = manager_page.locator("#routing-history")
    expect(history).to_contain_text("Declined by a partner")
    expect(history).to_contain_text("Offered to Bravo Partners")
    expect(history).to_contain_text("Not offered this lead before")
    expect(history).to_contain_text("“Partner covers the lead's region”")
    screenshots(manager_page, "leads", "7-manager-rerouted")

    # and the manual queue and the routing rules editor
    manager_page.goto("/leads/manual/")
    expect(manager_page.get_by_role("row", name=re.compile("Outback Mining"))).to_contain_text("required rule")
    screenshots(manager_page, "leads", "8-manager-queue")
    manager_page.get_by_role("link", name=re.compile("Assign Outback Mining")).click()
    expect(manager_page.locator("#assign")).to_be_visible()
    manager_page.get_by_label("Find a partner by name").fill("Bra")
    expect(manager_page.locator("#id_partner option", has_text="Bravo Partners")).to_have_count(1)
    screenshots(manager_page, "leads", "9-manager-assign")
    manager_page.goto("/leads/routing/")
    expect(manager_page.get_by_role("heading", name="Rules, in order")).to_be_visible()
    screenshots(manager_page, "leads", "10-manager-routing")
    manager_page.locator("#add-rule summary").click()
    manager_page.get_by_role("button", name="Add rule").click()
    expect(manager_page.locator("#id_new-name_error")).to_be_visible()
    screenshots(manager_page, "leads", "11-manager-routing-error")
    partner_side.close()
    manager_side.close()
