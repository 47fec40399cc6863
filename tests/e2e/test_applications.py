"""A company applies on the public page, a manager approves it, and the invited contact sets up
its login and lands on its company's portal (the partner onboarding)."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from partners.models import Partner
from programs.applications.models import PartnerApplication
from tests.e2e.helpers import log_in, screenshots
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_public_application_is_approved_and_its_contact_reaches_the_portal(browser, live_server):
    # given: a manager, and a visitor on a phone
    manager = UserFactory(email="maria@example.com", username="maria@example.com", first_name="Maria")
    visitor = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = visitor.new_page()
    # when: the visitor finds the page from the log-in page and applies
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Become a partner").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Become a partner")
    page.get_by_label("Company name").fill("Helix Health Systems")
    page.get_by_label("Website").fill("www.helix-health.example")
    page.get_by_label("Headquarters country").select_option("DE")
    page.get_by_label(re.compile("^Channel")).check()
    page.get_by_label("Healthcare").check()
    page.get_by_label("Germany, Austria and Switzerland").check()
    page.get_by_label("Your name").fill("Ines Berg")
    page.get_by_label("Work e-mail").fill("ines@helix-health.example")
    page.get_by_label(re.compile("^I agree")).check()
    screenshots(page, "applications", "public-form")
    page.get_by_role("button", name="Send application").click()
    # then
    expect(page.get_by_role("heading", level=1)).to_contain_text("Thank you for your application")
    visitor.close()
    application = PartnerApplication.objects.get()
    assert application.partner.status == "prospect"
    # when: the manager opens the queue and approves
    staff = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = staff.new_page()
    log_in(page, manager)
    page.goto("/applications/")
    screenshots(page, "applications", "queue")
    page.get_by_role("link", name="Helix Health Systems").first.click()
    screenshots(page, "applications", "detail")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("alert").first).to_contain_text("is approved and onboarding")
    staff.close()
    # then: the partner onboards and the contact has an invitation in the mail
    assert Partner.objects.get(pk=application.partner_id).status == "onboarding"
    message = next(m for m in mail.outbox if "ines@helix-health.example" in m.to)
    link = re.search(r"https?://\S+(/invitations/\S+/)", message.body).group(1)
    # when: the contact accepts it
    invitee = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = invitee.new_page()
    page.goto(link)
    page.locator("#id_name").fill("Ines Berg")
    page.locator("#id_password").fill("a-long-and-unusual-secret-42")
    page.locator("#id_confirm").fill("a-long-and-unusual-secret-42")
    page.get_by_role("button", name="Create my login").click()
    # then: she is the partner's administrator, on her company's portal
    expect(page).to_have_url(re.compile(r"/partner/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Helix Health Systems")
    invitee.close()
