"""A company's way into the program, end to end: it applies on the public page, a manager
approves it, the invited contact sets up her login, is held at the agreement the program requires,
accepts it, and sees where her company stands in the program and what the next tier needs."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from partners.models import Partner
from programs.onboarding.models import AgreementAcceptance
from programs.onboarding.services import agreement_template_publish
from programs.tiers.models import Membership, Program, Tier
from tests.e2e.helpers import log_in, screenshots
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_applicant_joins_accepts_the_agreement_and_sees_its_tier_progress(browser, live_server):
    # given: a channel program that opens the portal only after its agreement, with two tiers
    admin = UserFactory(role="admin")
    program = Program.objects.create(
        name="Channel Partner Program", slug="channel-partner-program", partner_types=["channel", "sales"],
        requires_agreement=True,
    )  # fmt: skip
    Tier.objects.create(program=program, name="Registered", rank=1, discount_percent=5)
    Tier.objects.create(program=program, name="Silver", rank=2, min_won_deals=2, requires_agreement=True,
                        discount_percent=10, lead_weight=3)  # fmt: skip
    agreement_template_publish(
        actor=admin, name="Channel partner agreement", kind="reseller", partner_type="channel",
        body="This agreement between OpenPRM and {partner_name} starts on {date}.",
    )  # fmt: skip
    manager = UserFactory(email="maria@example.com", username="maria@example.com", first_name="Maria")

    # when: a company applies from a phone
    visitor = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = visitor.new_page()
    page.goto("/become-a-partner/")
    page.get_by_label("Company name").fill("Helix Health Systems")
    page.get_by_label("Website").fill("www.helix-health.example")
    page.get_by_label("Headquarters country").select_option("DE")
    page.get_by_label(re.compile("^Channel")).check()
    page.get_by_label("Healthcare").check()
    page.get_by_label("Germany, Austria and Switzerland").check()
    page.get_by_label("Your name").fill("Ines Berg")
    page.get_by_label("Work e-mail").fill("ines@helix-health.example")
    page.get_by_label(re.compile("^I agree")).check()
    page.get_by_role("button", name="Send application").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Thank you for your application")
    visitor.close()

    # when: the manager approves it from the queue
    staff = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = staff.new_page()
    log_in(page, manager)
    navigation = page.get_by_role("navigation", name="Main navigation")
    navigation.get_by_role("button", name="Programs").click()
    navigation.get_by_role("link", name=re.compile("^Applications")).click()
    page.get_by_role("link", name="Helix Health Systems").first.click()
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("alert").first).to_contain_text("is approved and onboarding")
    staff.close()
    # then: the partner onboards, in the program at its entry tier, and the contact is invited
    partner = Partner.objects.get(name="Helix Health Systems")
    assert partner.status == "onboarding"
    assert Membership.objects.get(partner=partner).tier.name == "Registered"
    message = next(m for m in mail.outbox if "ines@helix-health.example" in m.to)
    link = re.search(r"https?://\S+(/invitations/\S+/)", message.body).group(1)

    # when: Ines sets up her login
    invitee = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = invitee.new_page()
    page.goto(link)
    page.locator("#id_name").fill("Ines Berg")
    page.locator("#id_password").fill("a-long-and-unusual-secret-42")
    page.locator("#id_confirm").fill("a-long-and-unusual-secret-42")
    page.get_by_role("button", name="Create my login").click()
    # then: the program holds her at the agreement, whichever page she asks for
    expect(page).to_have_url(re.compile(r"/partner/agreement/$"))
    page.goto("/partner/tiers/")
    expect(page).to_have_url(re.compile(r"/partner/agreement/$"))
    expect(page.get_by_text("This agreement between OpenPRM and Helix Health Systems")).to_be_visible()
    screenshots(page, "journey", "agreement")
    # when: she accepts it with a name that is not hers, then with her name
    page.get_by_label("Your full name").fill("Somebody Else")
    page.get_by_label(re.compile("^I have read the agreement")).check()
    page.get_by_role("button", name="Accept the agreement").click()
    expect(page.locator("#id_typed_name_error")).to_be_visible()
    assert not AgreementAcceptance.objects.exists()
    page.get_by_label("Your full name").fill("Ines Berg")
    page.get_by_label(re.compile("^I have read the agreement")).check()
    page.get_by_role("button", name="Accept the agreement").click()
    # then: the acceptance is kept with her typed name and address, and the portal opens
    acceptance = AgreementAcceptance.objects.get(partner=partner)
    assert (acceptance.typed_name, acceptance.ip) == ("Ines Berg", "127.0.0.1")
    page.goto("/partner/tiers/")
    expect(page).to_have_url(re.compile(r"/partner/tiers/$"))
    # and she sees her tier, its benefits and what Silver needs, with progress
    card = page.get_by_role("region", name="Channel Partner Program")
    expect(card).to_contain_text("Registered")
    expect(card).to_contain_text("Towards Silver")
    expect(card).to_contain_text("You need 2 more won deals")
    expect(card.get_by_role("progressbar").first).to_be_visible()
    screenshots(page, "journey", "tier-progress")
    invitee.close()
