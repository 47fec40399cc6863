"""A partner registers a deal for a customer another partner registered first; the manager opens
the approval queue, reads the conflict panel and approves with a reason; the partner then sees
its deal protected, with the date.

Set ``E2E_SCREENSHOTS`` to a folder to keep a full-page screenshot of every step at 1280 and 390
pixels wide.
"""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from partners.models import PartnerUser
from programs.deals.models import Deal
from programs.deals.services import deal_register
from tests.e2e.helpers import log_in, screenshots
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_partner_registers_an_overlapping_deal_the_manager_approves_it_and_the_partner_sees_it_protected(
    browser, live_server
):
    # given: Maria manages both partners; Bravo registered Acme first
    maria = UserFactory(email="maria@example.com", username="maria@example.com", first_name="Maria")
    alpha = PartnerFactory(name="Alpha Resellers", status="active", type="sales", owner=maria)
    bravo = PartnerFactory(name="Bravo Partners", status="active", type="sales", owner=maria)
    deal_register(
        partner_id=bravo.pk, actor=None, customer_company="Acme Corporation", customer_domain="acme.com",
        amount=40000, currency="EUR", expected_close_on=date.today() + timedelta(days=60), products=["Cloud"],
    )  # fmt: skip
    amy = UserFactory(is_staff=False, email="amy@alpha.example", username="amy@alpha.example", first_name="Amy")
    PartnerUser.objects.create(user=amy, partner=alpha, role="partner_member")
    partner_side = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    manager_side = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = partner_side.new_page()
    page.set_default_timeout(15_000)

    # when: Amy opens her deals and registers Acme
    log_in(page, amy)
    expect(page).to_have_url(re.compile(r"/partner/$"))
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Deals").click()
    expect(page.get_by_role("heading", name="No deals registered yet")).to_be_visible()
    screenshots(page, "deals", "1-partner-list-empty")
    page.get_by_role("link", name="Register a deal").first.click()
    page.get_by_label("Customer company").fill("ACME Inc.")
    page.get_by_label("Customer domain").fill("https://www.acme.com")
    # then: while she types, she learns another registration is pending, but not whose
    feedback = page.locator("#duplicate-check")
    expect(feedback).to_contain_text("Another registration of this customer is pending")
    expect(feedback).not_to_contain_text("Bravo")
    page.get_by_label("Amount").fill("25000")
    page.get_by_label("Currency").fill("EUR")
    page.get_by_label("Expected close").fill((date.today() + timedelta(days=45)).isoformat())
    page.get_by_label("Products").fill("Cloud, Support")
    screenshots(page, "deals", "2-partner-register-pending")
    page.get_by_role("button", name="Register deal").click()
    expect(page.get_by_text("Waiting for your partner manager's decision.")).to_be_visible()
    screenshots(page, "deals", "3-partner-deal-submitted")
    mine = Deal.objects.get(partner=alpha)

    # when: Maria opens the approval queue and the registration
    manager_page = manager_side.new_page()
    manager_page.set_default_timeout(15_000)
    log_in(manager_page, maria)
    expect(manager_page.locator("#pipeline-panel")).to_contain_text("Waiting for approval")
    screenshots(manager_page, "deals", "4-manager-dashboard")
    manager_page.get_by_role("navigation", name="Main navigation").get_by_role("link", name=re.compile("Deals")).click()
    expect(manager_page.get_by_role("heading", name="Deals", exact=True)).to_be_visible()
    screenshots(manager_page, "deals", "5-manager-deal-list")
    manager_page.get_by_role("link", name="Approval queue").click()
    expect(manager_page.get_by_role("heading", level=1)).to_contain_text("Approval queue")
    screenshots(manager_page, "deals", "6-manager-queue")
    manager_page.get_by_role("link", name="Review ACME Inc.").click()
    # then: the conflict panel puts Bravo's earlier registration beside Amy's, with the evidence
    panel = manager_page.locator("#conflict-panel")
    expect(panel).to_contain_text("Bravo Partners")
    expect(panel).to_contain_text("Registered first")
    expect(panel.locator(".badge", has_text="Domain")).to_be_visible()
    expect(panel.locator(".badge", has_text="Company name")).to_be_visible()
    expect(panel).to_contain_text("Cloud")
    screenshots(manager_page, "deals", "7-manager-conflict-panel")
    # when: approving without a reason is refused next to the field, with one it goes through
    manager_page.get_by_role("button", name="Approve and override").click()
    expect(manager_page.locator("#id_approve-reason_error")).to_contain_text("came first")
    manager_page.get_by_label("Reason for overriding").fill("Alpha ran the proof of concept")
    manager_page.get_by_role("button", name="Approve and override").click()
    expect(manager_page.get_by_text("ACME Inc. is approved and protected.")).to_be_visible()
    screenshots(manager_page, "deals", "8-manager-approved")

    # then: Amy sees her deal protected, until when
    mine.refresh_from_db()
    page.goto(f"/partner/deals/{mine.pk}/")
    until = mine.protected_until.astimezone().date()
    expect(page.get_by_role("status").filter(has_text="Protected until")).to_contain_text(f"{until.day} {until:%b %Y}")
    screenshots(page, "deals", "9-partner-deal-protected")
    page.get_by_role("link", name="Deals").first.click()
    expect(page.get_by_role("cell", name=re.compile("ACME Inc."))).to_be_visible()
    screenshots(page, "deals", "10-partner-list")
    partner_side.close()
    manager_side.close()
