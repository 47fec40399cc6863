"""A partner records a contact's certification with its certificate; the manager finds it in the
verification queue and verifies it; the partner page counts the contact as certified in its
vertical, and the partner sees the certification verified with its expiry.

Set ``E2E_SCREENSHOTS`` to a folder to keep a full-page screenshot of every step at 1280 and 390
pixels wide.
"""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from partners.models import Contact, PartnerUser
from programs.certifications.models import CertificationDefinition
from programs.strategies.models import Strategy
from tests.e2e.helpers import log_in, screenshots
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory
from tests.programs.certifications.helpers import PDF

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_partner_records_a_certification_the_manager_verifies_it_and_it_counts(
    browser, live_server, tmp_path, settings
):
    # given: Maria manages Alpha; Amy works there with her colleague Ada
    settings.MEDIA_ROOT = tmp_path / "media"
    maria = UserFactory(email="maria@example.com", username="maria@example.com", first_name="Maria")
    alpha = PartnerFactory(name="Alpha Care", status="active", type="channel", owner=maria, verticals=["healthcare"])
    Contact.objects.create(partner=alpha, name="Ada Lovelace", email="ada@alpha.example")
    CertificationDefinition.objects.create(name="Clinical integration", vertical_id="healthcare", validity_months=24)
    amy = UserFactory(is_staff=False, email="amy@alpha.example", username="amy@alpha.example", first_name="Amy")
    PartnerUser.objects.create(user=amy, partner=alpha, role="partner_member")
    certificate = tmp_path / "certificate.pdf"
    certificate.write_bytes(PDF)
    partner_side = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    manager_side = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = partner_side.new_page()
    page.set_default_timeout(15_000)

    # when: Amy opens the certifications and records Ada's, first with a date in the future
    log_in(page, amy)
    expect(page).to_have_url(re.compile(r"/partner/$"))
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Certifications").click()
    expect(page.get_by_role("heading", name="No certifications recorded yet")).to_be_visible()
    screenshots(page, "certifications", "1-partner-list-empty")
    page.get_by_role("link", name="Record a certification").first.click()
    page.get_by_label("Contact").select_option(label="Ada Lovelace")
    page.get_by_label("Certification").select_option(label="Clinical integration · Healthcare, 24 months")
    page.get_by_label("Earned on").fill((date.today() + timedelta(days=3)).isoformat())
    page.get_by_label("Certificate").set_input_files(str(certificate))
    page.get_by_role("button", name="Record").click()
    # then: the error is next to the date
    expect(page.locator("#id_earned_on_error")).to_have_text("The date earned is in the future.")
    screenshots(page, "certifications", "2-partner-record-error")
    # when: with the right date
    page.get_by_label("Earned on").fill((date.today() - timedelta(days=10)).isoformat())
    page.get_by_label("Certificate").set_input_files(str(certificate))
    page.get_by_role("button", name="Record").click()
    # then
    expect(page).to_have_url(re.compile(r"/partner/certifications/$"))
    expect(page.get_by_role("cell", name="Ada Lovelace")).to_be_visible()
    expect(page.locator("table").get_by_text("Waiting for verification")).to_be_visible()
    screenshots(page, "certifications", "3-partner-list-pending")

    # when: Maria opens the queue and verifies it
    manager = manager_side.new_page()
    manager.set_default_timeout(15_000)
    log_in(manager, maria)
    manager.goto("/certifications/queue/")
    expect(manager.get_by_role("heading", name=re.compile("Certifications to verify"))).to_contain_text("1")
    screenshots(manager, "certifications", "4-manager-queue")
    manager.get_by_role("link", name=re.compile("Reject")).click()
    screenshots(manager, "certifications", "5-manager-detail")
    manager.get_by_role("button", name="Verify").click()
    expect(manager.get_by_text("is verified")).to_be_visible()
    # then: the partner page counts Ada as certified in healthcare
    manager.goto(f"/partners/{alpha.pk}/")
    panel = manager.locator("#certifications-panel")
    expect(panel.get_by_role("row", name=re.compile("Healthcare"))).to_contain_text("1")
    panel.scroll_into_view_if_needed()
    screenshots(manager, "certifications", "6-manager-partner-page")
    manager.goto("/certifications/")
    screenshots(manager, "certifications", "7-manager-list")
    manager.goto("/certifications/definitions/")
    screenshots(manager, "certifications", "8-manager-definitions")
    # and Amy sees it verified
    page.reload()
    expect(page.locator("table").get_by_text("Verified")).to_be_visible()
    screenshots(page, "certifications", "9-partner-list-verified")

    # when: an administrator adds a definition with a validity out of range
    admin = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900}).new_page()
    log_in(admin, UserFactory(email="ada.admin@example.com", username="ada.admin@example.com", role="admin"))
    admin.goto("/certifications/definitions/")
    admin.get_by_label("Name").fill("Payments security")
    admin.get_by_label("Vertical").select_option(label="Financial services")
    admin.get_by_label("Valid for (months)").fill("240")
    admin.locator("form.prm-form").get_by_role("button", name="Add").click()
    # then: the error is next to the field; corrected, the definition is listed
    expect(admin.locator("#id_validity_months_error")).to_be_visible()
    screenshots(admin, "certifications", "10-admin-definitions-error")
    admin.get_by_label("Valid for (months)").fill("36")
    admin.locator("form.prm-form").get_by_role("button", name="Add").click()
    expect(admin.get_by_role("cell", name="Payments security", exact=True)).to_be_visible()


def test_a_manager_edits_the_certification_rules_of_the_channel_strategy(browser, live_server):
    # given: the channel default strategy with both certification rules
    maria = UserFactory(email="maria@example.com", username="maria@example.com", first_name="Maria")
    strategy = Strategy.objects.get(name="Channel partners")
    base = strategy.current_version.number
    page = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(15_000)
    log_in(page, maria)
    # when: she asks for two certified contacts in healthcare and a 45-day expiry notice
    page.goto(f"/strategies/{strategy.pk}/edit/")
    coverage = page.get_by_role("region", name=re.compile("Certification coverage"))
    expect(coverage.get_by_role("spinbutton", name="Own verticals")).to_have_value("1")
    coverage.get_by_role("spinbutton", name="Healthcare").fill("2")
    page.get_by_role("region", name=re.compile("Certification expiry")).get_by_role(
        "spinbutton", name="Days before"
    ).fill("45")
    screenshots(page, "certifications", "11-strategy-editor")
    page.get_by_label("Version note").fill("Two healthcare-certified people")
    page.get_by_role("button", name=f"Publish version {base + 1}").click()
    # then
    expect(page.get_by_role("alert")).to_contain_text(f"Published version {base + 1}")
    strategy.refresh_from_db()
    rules = {rule["kind"]: rule["params"] for rule in strategy.current_version.rules}
    assert rules["certification_coverage"] == {"required": {"healthcare": 2}, "own_verticals": 1}
    assert rules["certification_expiry"] == {"days_before": 45}
