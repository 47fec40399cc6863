"""An administrator's ladder edit refused next to the field; a manager rejects a proposed downgrade
with a reason; the partner reads its tier, benefits and progress towards the next tier.

Set ``E2E_SCREENSHOTS`` to a folder to keep a full-page screenshot of every page at 1280 and 390
pixels wide.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from partners.models import PartnerUser
from programs.tiers.models import DowngradeProposal
from tests.e2e.helpers import log_in, screenshots
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory
from tests.programs.tiers.factories import MembershipFactory, ladder

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_ladder_editor_a_downgrade_decision_and_the_partners_progress(browser, live_server):
    # given: Maria manages Alpha (Silver, health 70) and Bravo (Gold, a downgrade proposed)
    maria = UserFactory(email="maria@example.com", username="maria@example.com", first_name="Maria", role="admin")
    program, _registered, silver, gold = ladder(name="Channel Partner Program", partner_types=["channel"])
    alpha = PartnerFactory(name="Alpha Resellers", type="channel", owner=maria, health_score=70)
    bravo = PartnerFactory(name="Bravo Partners", type="channel", owner=maria, health_score=40)
    MembershipFactory(partner=alpha, tier=silver)
    today = timezone.localdate()
    membership = MembershipFactory(
        partner=bravo, tier=gold, state="proposed_downgrade", grace_started_on=today - timedelta(days=95),
        grace_until=today - timedelta(days=5),
    )  # fmt: skip
    evidence = {
        "requirements": {
            "Gold": [
                {
                    "key": "health_score",
                    "label": "Health score",
                    "value": 40,
                    "threshold": 80,
                    "met": False,
                    "gap": "a health score of 80 (now 40)",
                }
            ]
        }
    }
    proposal = DowngradeProposal.objects.create(
        membership=membership, partner=bravo, from_tier=gold, to_tier=silver, evidence=evidence
    )  # fmt: skip
    amy = UserFactory(is_staff=False, email="amy@alpha.example", username="amy@alpha.example", first_name="Amy")
    PartnerUser.objects.create(user=amy, partner=alpha, role="partner_member")
    staff = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = staff.new_page()
    log_in(page, maria)
    # when: the programs, a program, and a contradiction typed into the editor
    page.goto("/programs/")
    expect(page.get_by_role("heading", name="Programs", exact=True)).to_be_visible()
    screenshots(page, "tiers", "program-list")
    page.goto(f"/programs/{program.pk}/")
    screenshots(page, "tiers", "program-detail")
    page.goto(f"/programs/{program.pk}/edit/")
    page.get_by_label("Channel").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#id_partner_types_error")).to_be_visible()
    screenshots(page, "tiers", "program-form-error")
    page.goto(f"/programs/{program.pk}/tiers/")
    page.locator("#id_tiers-2-min_health_score").fill("50")
    page.get_by_role("button", name="Save the tiers").click()
    # then
    expect(page.locator("#id_tiers-2-min_health_score_error")).to_contain_text(
        "Gold asks less health score than Silver"
    )
    screenshots(page, "tiers", "editor-error")
    # when: the members, a membership, the partner page, the partner list filtered by tier
    page.goto(f"/programs/{program.pk}/members/")
    expect(page.get_by_role("link", name="Alpha Resellers")).to_be_visible()
    screenshots(page, "tiers", "members")
    page.get_by_role("link", name="Alpha Resellers").click()
    expect(page.get_by_role("heading", name="Evaluation today")).to_be_visible()
    screenshots(page, "tiers", "membership")
    page.goto(f"/partners/{bravo.pk}/")
    expect(page.locator("#programs")).to_contain_text("Downgrade proposed")
    screenshots(page, "tiers", "partner-panel")
    page.goto("/partners/?tier=gold")
    expect(page.get_by_role("link", name="Bravo Partners")).to_be_visible()
    expect(page.get_by_role("link", name="Alpha Resellers")).to_have_count(0)
    # when: the proposal is rejected with a reason
    page.goto("/tiers/proposals/")
    screenshots(page, "tiers", "proposals")
    page.get_by_label("Reason for keeping the tier").fill("A large renewal closes next month")
    page.get_by_role("button", name="Reject: keep Gold").click()
    # then
    expect(page.get_by_text("Nothing to decide")).to_be_visible()
    proposal.refresh_from_db()
    assert (proposal.state, proposal.reason) == ("rejected", "A large renewal closes next month")
    # when: Amy of Alpha reads her tiers
    partner_page = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900}).new_page()
    log_in(partner_page, amy)
    expect(partner_page.get_by_role("heading", name="Your tiers")).to_be_visible()
    screenshots(partner_page, "tiers", "partner-home")
    partner_page.get_by_role("link", name="Tiers", exact=True).click()
    # then
    expect(partner_page.get_by_text("Towards Gold")).to_be_visible()
    expect(partner_page.get_by_text(re.compile("Needs 2 more healthcare-certified people"))).to_be_visible()
    screenshots(partner_page, "tiers", "partner-progress")
