import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from programs.strategies.models import Strategy
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.partners.factories import PartnerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_manager_tightens_a_rule_previews_publishes_runs_and_finds_the_outcome_in_the_inbox(page):
    # given: two business partners quiet for 90 days, owned by Maria; today's version asks after 120 days
    manager = UserFactory(email="maria@example.com", username="maria@example.com", first_name="Maria")
    quiet = timezone.now() - timedelta(days=90)
    for name in ("Helix Health", "Nordwind Capital"):
        PartnerFactory(name=name, type="business", status="active", last_activity_at=quiet, owner=manager)
    strategy = Strategy.objects.get(partner_type="business")
    base = strategy.current_version.number
    versions = strategy.versions.count()
    # when: log in and open the strategy
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(manager.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name=re.compile("log in|sign in", re.I)).click()
    expect(page).to_have_url(re.compile(r"/$"))
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Strategies").click()
    page.get_by_role("link", name=strategy.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(strategy.name)
    # when: edit the inactivity rule's threshold from 120 to 60 days and preview the draft
    page.get_by_role("link", name="Edit").click()
    inactivity = page.get_by_role("region", name="Rule 2: Inactivity")
    days = inactivity.get_by_role("spinbutton", name="Days")
    expect(days).to_have_value("120")
    days.fill("60")
    page.get_by_role("button", name="Preview this draft").click()
    # then: the preview shows the difference (two re-engagement tasks to create), the draft is
    # still in the editor, and nothing was published or created
    progress = page.locator("#draft-preview #progress")
    expect(progress).to_contain_text("Succeeded")
    expect(progress).to_contain_text(f"a draft (based on v{base})")
    expect(progress.locator(".prm-counts div").first).to_contain_text("2")
    expect(page.get_by_role("region", name="Rule 2: Inactivity").get_by_role("spinbutton", name="Days")).to_have_value(
        "60"
    )
    assert strategy.outcomes.count() == 0
    assert strategy.versions.count() == versions
    # when: publish the draft
    page.get_by_label("Version note").fill("Re-engage sooner")
    page.get_by_role("button", name=f"Publish version {base + 1}").click()
    # then
    expect(page).to_have_url(re.compile(rf"/strategies/{strategy.pk}/$"))
    expect(page.get_by_role("alert")).to_contain_text(f"Published version {base + 1}")
    expect(page.get_by_role("region", name=f"Rules of version {base + 1}")).to_contain_text("60 days")
    # when: run it for real
    page.get_by_role("button", name="Run now").click()
    expect(page.locator("#progress")).to_contain_text("Succeeded")
    expect(page.locator("#progress")).to_contain_text("2 / 2")
    # then: the new outcome waits in Maria's inbox
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Inbox").click()
    row = page.get_by_role("row", name=re.compile("Re-engage Helix Health"))
    expect(row).to_contain_text(f"{strategy.name} v{base + 1}")
    expect(row).to_contain_text("No activity for 90 days")
    # when: mark it done
    row.get_by_role("button", name=re.compile("Mark .* done")).click()
    expect(page.get_by_role("alert")).to_contain_text("was marked done")
    expect(page.get_by_role("row", name=re.compile("Re-engage Helix Health"))).to_have_count(0)
