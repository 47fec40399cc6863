"""metric_threshold: a task or alert when a reported metric crosses a threshold within a window."""

import json

import pytest

from programs.strategies.rules import Scope
from programs.strategies.rules.metric_threshold import MetricThreshold
from tests.programs.rule_facts import ahead, facts, metric

SLA_BELOW_95 = {"metric": "sla_compliance_pct", "operator": "lt", "value": 95}


@pytest.mark.parametrize(("value", "expected"), [(95.0, 0), (94.99, 1)])
def test_an_alert_appears_just_past_the_threshold(value, expected):
    # when
    drafts = MetricThreshold(SLA_BELOW_95).evaluate(facts(metrics=(metric(value=value),)))
    # then
    assert len(drafts) == expected


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [("lt", 4.0, 0), ("lte", 4.0, 1), ("gt", 4.0, 0), ("gte", 4.0, 1), ("gt", 3.99, 1), ("lt", 4.01, 1)],
)
def test_each_operator_compares_as_its_name_says(operator, value, expected):
    # given: CSAT of exactly 4.0
    rule = MetricThreshold({"metric": "csat", "operator": operator, "value": value})
    # when
    drafts = rule.evaluate(facts(metrics=(metric(key="csat", value=4.0),)))
    # then
    assert len(drafts) == expected


@pytest.mark.parametrize(("end_days_ago", "expected"), [(90, 1), (91, 0)])
def test_only_periods_ending_within_the_window_count(end_days_ago, expected):
    # when
    drafts = MetricThreshold({**SLA_BELOW_95, "window_days": 90}).evaluate(
        facts(metrics=(metric(value=80, end_days_ago=end_days_ago),))
    )
    # then
    assert len(drafts) == expected


def test_no_figures_for_the_metric_means_no_outcome():
    # when
    drafts = MetricThreshold(SLA_BELOW_95).evaluate(facts(metrics=(metric(key="csat", value=1),)))
    # then
    assert drafts == []


def test_latest_judges_the_newest_period_only():
    # given: an old breach, then a good month
    figures = (metric(value=80, end_days_ago=35), metric(value=97, end_days_ago=5))
    # when
    drafts = MetricThreshold(SLA_BELOW_95).evaluate(facts(metrics=figures))
    # then
    assert drafts == []


def test_latest_explains_the_figure_and_the_period():
    # when
    (draft,) = MetricThreshold(SLA_BELOW_95).evaluate(facts(metrics=(metric(value=93.5, end_days_ago=30),)))
    # then
    assert draft.kind == "alert"
    assert draft.title == "SLA compliance below 95 % for Acme Health"
    assert draft.explanation == "SLA compliance was 93.5 % in the period ending 2025-05-31 (threshold: below 95 %)."
    json.dumps(draft.evidence)


def test_average_takes_the_mean_of_all_periods_in_the_window():
    # given
    figures = (metric(value=92, end_days_ago=65), metric(value=93, end_days_ago=35), metric(value=95.5, end_days_ago=5))
    rule = MetricThreshold({**SLA_BELOW_95, "aggregate": "average", "outcome": "task"})
    # when
    (draft,) = rule.evaluate(facts(metrics=figures))
    # then
    assert draft.kind == "task"
    assert draft.explanation == "SLA compliance averaged 93.5 % over the last 90 days (threshold: below 95 %)."
    assert draft.evidence["observed"] == 93.5
    assert draft.evidence["periods"] == 3


def test_a_custom_title_replaces_the_default_one():
    # given
    rule = MetricThreshold({"metric": "win_rate_pct", "operator": "lt", "value": 20, "title": "Coach on deal quality"})
    # when
    (draft,) = rule.evaluate(facts(metrics=(metric(key="win_rate_pct", value=12),)))
    # then
    assert draft.title == "Coach on deal quality"


def test_dedupe_is_stable_and_changes_with_a_new_period_or_threshold():
    # given
    rule = MetricThreshold(SLA_BELOW_95)
    breach = facts(metrics=(metric(value=90, end_days_ago=5),))
    # when
    first = rule.evaluate(breach)[0].dedupe
    next_day = rule.evaluate(facts(metrics=(metric(value=90, end_days_ago=5),), today=ahead(1)))[0].dedupe
    new_period = rule.evaluate(facts(metrics=(metric(value=90, end_days_ago=5), metric(value=91, end_days_ago=1))))
    other_threshold = MetricThreshold({**SLA_BELOW_95, "value": 97}).evaluate(breach)[0].dedupe
    # then
    assert first == next_day == "metric_threshold:7:sla_compliance_pct:lt:95:2025-06-25"
    assert new_period[0].dedupe != first
    assert other_threshold != first


def test_the_scope_limits_the_rule_to_matching_partners():
    # given
    rule = MetricThreshold(SLA_BELOW_95, Scope(verticals=("healthcare", "finance")))
    breach = (metric(value=90),)
    # then
    assert len(rule.evaluate_if_in_scope(facts(metrics=breach))) == 1
    assert rule.evaluate_if_in_scope(facts(metrics=breach, verticals=("retail",))) == []


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        ({"operator": "lt", "value": 95}, "metric", "This field is required."),
        (
            {**SLA_BELOW_95, "metric": "SLA %"},
            "metric",
            "Use lower-case letters, digits and underscores, starting with a letter.",
        ),
        ({**SLA_BELOW_95, "metric": "m" * 51}, "metric", "Must be at most 50 characters."),
        ({**SLA_BELOW_95, "operator": "<"}, "operator", "Must be one of: lt, lte, gt, gte."),
        ({**SLA_BELOW_95, "value": "high"}, "value", "Must be a number."),
        ({**SLA_BELOW_95, "value": float("nan")}, "value", "Must be a number."),
        ({**SLA_BELOW_95, "window_days": 0}, "window_days", "Must be a whole number from 1 to 730."),
        ({**SLA_BELOW_95, "aggregate": "median"}, "aggregate", "Must be one of: latest, average."),
        ({**SLA_BELOW_95, "outcome": "email"}, "outcome", "Must be one of: task, alert."),
        ({**SLA_BELOW_95, "threshold": 95}, "threshold", "Unknown parameter."),
    ],
)
def test_invalid_params_are_reported_per_field(raw, field, message):
    # when
    params, errors = MetricThreshold.params.validate(raw)
    # then
    assert params is None
    assert errors == {field: [message]}


def test_describe_states_the_rule_in_plain_language():
    # then
    assert MetricThreshold({**SLA_BELOW_95, "aggregate": "average"}).describe() == (
        "When SLA compliance averages below 95 % over the last 90 days: raise an alert"
    )
    assert MetricThreshold({"metric": "csat", "operator": "lt", "value": 4, "outcome": "task"}).describe() == (
        "When the latest CSAT reported in the last 90 days is below 4: create a task"
    )
