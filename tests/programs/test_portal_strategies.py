"""Strategy pages: list, strategy page, run now / preview with progress, preview result, version diff."""

import re

import pytest

from programs.strategies.models import Strategy, StrategyRun
from programs.strategies.services import strategy_publish
from programs.strategies.views.display import cron_words
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory
from tests.programs.portal_helpers import business_strategy, outcome, quiet_partners

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, manager):
    client.force_login(manager)
    return client


def test_the_list_shows_every_strategy_with_schedule_version_and_open_outcomes(staff_client, manager):
    # given
    strategy = business_strategy(manager)
    outcome(PartnerFactory(type="business"))
    # when
    response = staff_client.get("/strategies/")
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('href="/strategies/') >= Strategy.objects.count()
    for name in Strategy.objects.values_list("name", flat=True):
        assert name in html
    assert "Daily at 03:00 UTC" in html
    row = html[html.index(strategy.name) :]
    row = row[: row.index("</tr>")]
    assert f'<td data-label="Version">v{strategy.current_version.number}<' in row
    assert f'everyone=on&amp;strategy={strategy.pk}">1</a>' in html


def test_the_list_query_count_does_not_grow_with_runs_and_outcomes(staff_client, manager, django_assert_num_queries):
    # given: runs and outcomes for every strategy
    for strategy in Strategy.objects.all():
        partner = PartnerFactory(type=strategy.partner_type)
        outcome(partner, strategy=strategy)
        StrategyRun.objects.create(strategy=strategy, version=strategy.current_version, trigger="manual", dry_run=True)
    # when: session, user, role (groups), strategies with latest run, open outcomes grouped by strategy
    with django_assert_num_queries(5):
        response = staff_client.get("/strategies/")
    # then
    assert response.status_code == 200


@pytest.mark.parametrize(
    "cron, words",
    [
        ("0 3 * * *", "daily at 03:00 UTC"),
        ("30 6 * * 1", "every Monday at 06:30 UTC"),
        ("0 4 1 * *", "monthly on day 1 at 04:00 UTC"),
        ("*/5 * * * *", "cron “*/5 * * * *” (UTC)"),
    ],
)
def test_schedules_are_shown_in_words(cron, words):
    assert cron_words(cron) == words


def test_the_strategy_page_describes_the_rules_in_plain_language(staff_client):
    # given
    strategy = Strategy.objects.get(partner_type="financial")
    # when
    html = staff_client.get(f"/strategies/{strategy.pk}/").content.decode()
    # then
    assert "Every 90 days, if engagement is strategic: schedule a strategy review" in html
    assert "Daily at 03:10 UTC" in html
    assert "Run now" in html and "Preview" in html


def test_run_now_starts_a_live_run_and_shows_its_progress(staff_client, manager, django_capture_on_commit_callbacks):
    # given
    strategy = business_strategy(manager)
    quiet_partners(3)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"/strategies/{strategy.pk}/run/")
    # then
    run = StrategyRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/strategies/{strategy.pk}/?run={run.pk}#progress"
    assert (run.dry_run, run.trigger, run.status, run.outcomes_created) == (False, "manual", "succeeded", 3)
    page = staff_client.get(response["Location"]).content.decode()
    assert 'id="progress"' in page and "3 / 3" in page
    assert 'hx-trigger="every 1s"' not in page  # finished: no more polling


def test_the_progress_panel_polls_while_the_run_is_going_and_stops_when_it_ends(staff_client, manager):
    # given
    strategy = business_strategy(manager)
    run = StrategyRun.objects.create(
        strategy=strategy, version=strategy.current_version, trigger="manual", status="running",
        partners_total=200, partners_evaluated=50, outcomes_created=7,
    )  # fmt: skip
    # when
    html = staff_client.get(f"/strategies/runs/{run.pk}/progress/", HTTP_HX_REQUEST="true").content.decode()
    # then
    assert 'hx-trigger="every 1s"' in html
    assert f'hx-get="/strategies/runs/{run.pk}/progress/"' in html
    assert "50 / 200" in html and 'style="width: 25%"' in html
    assert "<html" not in html
    # when the run ends
    StrategyRun.objects.filter(pk=run.pk).update(status="succeeded", partners_evaluated=200)
    html = staff_client.get(f"/strategies/runs/{run.pk}/progress/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' not in html
    assert "Succeeded" in html


def test_a_preview_lists_what_it_would_create_without_creating_it(
    staff_client, manager, django_capture_on_commit_callbacks
):
    # given
    strategy = business_strategy(manager)
    quiet_partners(2)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(f"/strategies/{strategy.pk}/run/", {"dry_run": "1"})
    run = StrategyRun.objects.get()
    html = staff_client.get(f"/strategies/runs/{run.pk}/").content.decode()
    # then
    assert run.dry_run and run.status == "succeeded"
    assert strategy.outcomes.count() == 0
    assert "Preview result" in html
    assert re.search(r"Would create</div><div class=\"prm-figure-value\">2<", html)
    assert html.count("Re-engage") == 2


def test_an_analyst_cannot_start_a_run(client, manager, django_capture_on_commit_callbacks):
    # given
    strategy = business_strategy(manager)
    client.force_login(UserFactory(role="analyst"))
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/strategies/{strategy.pk}/run/")
    # then
    assert response.status_code == 403
    assert not StrategyRun.objects.exists()
    assert "Run now" not in client.get(f"/strategies/{strategy.pk}/").content.decode()


def test_the_version_diff_shows_changed_added_and_removed_rules(staff_client, manager):
    # given: the business strategy's current version (review, inactivity 120, health score)
    strategy = Strategy.objects.get(partner_type="business")
    base = strategy.current_version.number
    current = strategy.current_version.rules
    rules = [
        current[0],
        {**current[1], "params": {"days": 60}},
        {"kind": "onboarding_deadline", "params": {"days": 30}},
    ]
    strategy_publish(strategy_id=strategy.pk, actor=manager, rules=rules)
    # when
    html = staff_client.get(f"/strategies/{strategy.pk}/?old={base}&new={base + 1}").content.decode()
    # then
    assert f"Changes from v{base} to v{base + 1}" in html
    assert re.search(r"<code>days</code>: <del>120</del> → <ins>60</ins>", html)
    assert re.search(r"Added</span>\s*When onboarding", html)
    assert re.search(r"Removed</span> <del>On every run: score", html)
    assert re.search(r"Same</span> <span class=\"text-body-secondary\">Every 365 days", html)


def test_unknown_strategies_and_runs_are_not_found(staff_client):
    assert staff_client.get("/strategies/999999/").status_code == 404
    assert staff_client.get("/strategies/runs/999999/").status_code == 404
