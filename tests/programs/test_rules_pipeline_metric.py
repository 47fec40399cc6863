"""pipeline_metric: tasks and alerts from what the partner's deals and leads say."""

import json

import pytest

from programs.strategies.rules import InvalidRuleError
from programs.strategies.rules.pipeline_metric import PipelineMetric, measure
from tests.programs.rule_facts import ago, deal, facts, offer

COACHING = {"metric": "days_since_last_deal", "operator": "gte", "value": 90, "title": "Coaching: no deal in 90 days"}
WIN_RATE = {"metric": "win_rate_pct", "operator": "lt", "value": 20, "window_days": 180, "min_count": 5}


def _closed(won: int, lost: int, *, days_ago: int = 30) -> tuple:
    deals = [deal(id=n, state="won", closed_days_ago=days_ago, amount=1000.0) for n in range(won)]
    deals += [deal(id=100 + n, state="lost", closed_days_ago=days_ago) for n in range(lost)]
    return tuple(deals)


@pytest.mark.parametrize(("quiet_days", "expected"), [(89, 0), (90, 1), (91, 1)])
def test_a_coaching_task_appears_once_no_deal_was_registered_for_the_threshold(quiet_days, expected):
    # given
    rule = PipelineMetric(COACHING)
    # when
    drafts = rule.evaluate(facts(last_deal_on=ago(quiet_days), deals=(deal(registered_days_ago=quiet_days),)))
    # then
    assert len(drafts) == expected


def test_the_coaching_task_explains_since_when_the_partner_is_quiet():
    # when
    (draft,) = PipelineMetric(COACHING).evaluate(facts(last_deal_on=ago(95)))
    # then
    assert (draft.kind, draft.title) == ("task", "Coaching: no deal in 90 days")
    assert draft.explanation == (
        "No deal registered for 95 days, since 2025-03-27 (threshold: days since the last deal at or above 90 days)."
    )
    assert draft.dedupe == "pipeline_metric:7:days_since_last_deal:gte:90:90:2025-03-27"
    assert draft.evidence["observed"] == 95 and draft.evidence["newest"] == "2025-03-27"
    json.dumps(draft.evidence)


def test_a_partner_that_never_registered_counts_from_its_creation():
    # when
    young = PipelineMetric(COACHING).evaluate(facts(last_deal_on=None, created_on=ago(60)))
    (old,) = PipelineMetric(COACHING).evaluate(facts(last_deal_on=None, created_on=ago(120)))
    # then
    assert young == []
    assert old.explanation.startswith("No deal registered since the partner was created 120 days ago")
    assert old.dedupe.endswith(":never")


def test_a_new_registration_after_the_task_makes_a_new_situation():
    # given
    rule = PipelineMetric(COACHING)
    # when
    (first,) = rule.evaluate(facts(last_deal_on=ago(100)))
    (later,) = rule.evaluate(facts(last_deal_on=ago(92)))
    # then
    assert first.dedupe != later.dedupe


@pytest.mark.parametrize(
    ("won", "lost", "expected"),
    [
        (1, 4, 0),  # 20 %: not below 20
        (0, 4, 0),  # 0 % but only 4 closed deals: too few to speak
        (0, 5, 1),
        (1, 5, 1),  # 16.67 %
        (1, 3, 0),
    ],
)
def test_a_win_rate_alert_needs_enough_closed_deals_and_a_rate_below_the_line(won, lost, expected):
    # when
    drafts = PipelineMetric(WIN_RATE).evaluate(facts(deals=_closed(won, lost)))
    # then
    assert len(drafts) == expected


def test_the_win_rate_alert_names_the_figures_and_ignores_deals_closed_before_the_window():
    # given: 1 won and 5 lost within 180 days, 10 won long before
    deals = _closed(1, 5, days_ago=40) + tuple(
        deal(id=500 + n, state="won", closed_days_ago=200, amount=5.0) for n in range(10)
    )
    # when
    (draft,) = PipelineMetric({**WIN_RATE, "outcome": "alert"}).evaluate(facts(deals=deals))
    # then
    assert draft.kind == "alert"
    assert draft.title == "Win rate below 20 % for Acme Health"
    assert draft.explanation == (
        "1 of 6 closed deals won in the last 180 days (16.67 %) (threshold: win rate below 20 %)."
    )
    assert draft.evidence["sample"] == 6


def test_open_deals_do_not_count_for_the_win_rate_but_count_as_registered():
    # given
    deals = (
        deal(id=1, state="submitted", registered_days_ago=10),
        deal(id=2, state="approved", registered_days_ago=20),
    )
    # then
    assert measure(facts(deals=deals), "win_rate_pct", window_days=180) is None
    registered = measure(facts(deals=deals), "deals_registered", window_days=15)
    assert (registered.value, registered.text) == (1, "1 deal registered in the last 15 days")


def test_partner_revenue_sums_won_deals_of_the_rules_currency():
    # given
    deals = (
        deal(id=1, state="won", closed_days_ago=10, amount=1500.0, currency="EUR"),
        deal(id=2, state="won", closed_days_ago=20, amount=2500.0, currency="EUR"),
        deal(id=3, state="won", closed_days_ago=20, amount=9999.0, currency="USD"),
        deal(id=4, state="lost", closed_days_ago=5, currency="EUR"),
    )
    rule = PipelineMetric({"metric": "partner_revenue", "operator": "lt", "value": 5000, "currency": "EUR"})
    # when
    (draft,) = rule.evaluate(facts(deals=deals))
    # then
    assert draft.explanation == (
        "4000 EUR from 2 won deals in the last 90 days (threshold: partner-sourced revenue below 5000 EUR)."
    )


def test_lead_acceptance_rate_counts_answered_offers_only():
    # given: 1 accepted, 2 declined, 1 breached, 1 still open, 1 accepted long ago
    offers = (
        offer(1, "accepted"),
        offer(2, "declined"),
        offer(3, "declined"),
        offer(4, "breached"),
        offer(5, "offered"),
        offer(6, "accepted", offered_days_ago=400),
    )
    rule = PipelineMetric({"metric": "lead_acceptance_rate_pct", "operator": "lt", "value": 50, "min_count": 3})
    # when
    (draft,) = rule.evaluate(facts(lead_offers=offers))
    # then
    assert draft.explanation.startswith("1 of 4 answered lead offers accepted in the last 90 days (25 %)")


def test_sla_breaches_are_counted_in_the_window():
    offers = (
        offer(1, "breached"),
        offer(2, "breached", offered_days_ago=20),
        offer(3, "breached", offered_days_ago=200),
    )
    rule = PipelineMetric({"metric": "lead_sla_breaches", "operator": "gte", "value": 2, "window_days": 30})
    (draft,) = rule.evaluate(facts(lead_offers=offers))
    assert draft.explanation == (
        "2 leads left unanswered past the SLA in the last 30 days (threshold: lead SLA breaches at or above 2)."
    )


def test_the_rule_describes_itself_in_words():
    rule = PipelineMetric(WIN_RATE)
    assert rule.describe_trigger() == "When the win rate over the last 180 days is below 20 % (with at least 5)"
    assert PipelineMetric(COACHING).describe_trigger() == "When the days since the last deal is at or above 90 days"
    assert rule.describe_action() == "create a task"


@pytest.mark.parametrize(
    "params",
    [
        {"metric": "golf_handicap", "operator": "lt", "value": 1},
        {"metric": "win_rate_pct", "operator": "about", "value": 1},
        {"metric": "win_rate_pct", "operator": "lt", "value": -1},
        {"metric": "partner_revenue", "operator": "lt", "value": 1, "currency": "euro"},
    ],
)
def test_bad_parameters_are_refused(params):
    with pytest.raises(InvalidRuleError):
        PipelineMetric(params)
