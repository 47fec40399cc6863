"""review_cadence: a review task once the interval since the last review of a kind is complete."""

import json

import pytest

from programs.strategies.rules import Scope
from programs.strategies.rules.review_cadence import ReviewCadence
from tests.programs.rule_facts import ago, ahead, facts


@pytest.mark.parametrize(("days_since_review", "expected"), [(89, 0), (90, 1), (91, 1)])
def test_a_review_is_due_on_the_day_the_interval_is_complete(days_since_review, expected):
    # given
    rule = ReviewCadence({"every_days": 90})
    partner = facts(last_review_on={"business_review": ago(days_since_review)})
    # when
    drafts = rule.evaluate(partner)
    # then
    assert len(drafts) == expected


@pytest.mark.parametrize(("age", "expected"), [(89, 0), (90, 1)])
def test_a_partner_never_reviewed_counts_from_its_creation(age, expected):
    # given
    rule = ReviewCadence({"every_days": 90})
    # when
    drafts = rule.evaluate(facts(created_on=ago(age)))
    # then
    assert len(drafts) == expected
    if drafts:
        assert drafts[0].dedupe == "review_cadence:7:business_review:never"
        assert drafts[0].explanation == (
            "No business review since the partner was created 90 days ago; the cadence is every 90 days."
        )


def test_only_reviews_of_the_configured_kind_count():
    # given: a recent business review does not replace a strategy review
    rule = ReviewCadence({"every_days": 90, "review_kind": "strategy_review"})
    partner = facts(last_review_on={"business_review": ago(5), "strategy_review": ago(100)})
    # when
    drafts = rule.evaluate(partner)
    # then
    assert [d.title for d in drafts] == ["Schedule a strategy review with Acme Health"]


def test_the_task_explains_the_last_review_and_is_due_after_due_in_days():
    # given
    rule = ReviewCadence({"every_days": 90, "due_in_days": 7})
    # when
    (draft,) = rule.evaluate(facts(last_review_on={"business_review": ago(100)}))
    # then
    assert draft.kind == "task"
    assert draft.audience == "manager"
    assert draft.due_on == ahead(7)
    assert (
        draft.explanation == "The last business review was on 2025-03-22, 100 days ago; the cadence is every 90 days."
    )
    assert draft.evidence == {
        "review_kind": "business_review",
        "last_review_on": "2025-03-22",
        "days_since_review": 100,
        "every_days": 90,
    }
    json.dumps(draft.evidence)


def test_a_custom_title_replaces_the_default_one():
    # given
    rule = ReviewCadence({"every_days": 90, "title": "  Quarterly business review  "})
    # when
    (draft,) = rule.evaluate(facts(last_review_on={"business_review": ago(100)}))
    # then
    assert draft.title == "Quarterly business review"


def test_dedupe_is_stable_until_a_review_is_recorded():
    # given
    rule = ReviewCadence({"every_days": 90})
    overdue = facts(last_review_on={"business_review": ago(100)})
    # when
    first, again = rule.evaluate(overdue)[0], rule.evaluate(overdue)[0]
    next_day = rule.evaluate(facts(last_review_on={"business_review": ago(100)}, today=ahead(1)))[0]
    after_new_review = rule.evaluate(facts(last_review_on={"business_review": ago(95)}))[0]
    # then
    assert first.dedupe == again.dedupe == next_day.dedupe == "review_cadence:7:business_review:2025-03-22"
    assert after_new_review.dedupe != first.dedupe


def test_the_scope_limits_the_rule_to_matching_partners():
    # given
    rule = ReviewCadence({"every_days": 90, "review_kind": "strategy_review"}, Scope(engagement=("strategic",)))
    # when
    strategic = rule.evaluate_if_in_scope(facts(engagement="strategic"))
    arms_length = rule.evaluate_if_in_scope(facts(engagement="arms_length"))
    # then
    assert len(strategic) == 1
    assert arms_length == []


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        ({}, "every_days", "This field is required."),
        ({"every_days": "often"}, "every_days", "Must be a whole number from 7 to 730."),
        ({"every_days": 6}, "every_days", "Must be a whole number from 7 to 730."),
        ({"every_days": 731}, "every_days", "Must be a whole number from 7 to 730."),
        ({"every_days": 7.5}, "every_days", "Must be a whole number from 7 to 730."),
        ({"every_days": True}, "every_days", "Must be a whole number from 7 to 730."),
        (
            {"every_days": 90, "review_kind": "coffee"},
            "review_kind",
            "Must be one of: business_review, strategy_review, roadmap_review, pipeline_review, service_review.",
        ),
        ({"every_days": 90, "title": "x" * 121}, "title", "Must be at most 120 characters."),
        ({"every_days": 90, "title": 5}, "title", "Must be text."),
        ({"every_days": 90, "due_in_days": 91}, "due_in_days", "Must be a whole number from 0 to 90."),
        ({"every_days": 90, "every": 3}, "every", "Unknown parameter."),
    ],
)
def test_invalid_params_are_reported_per_field(raw, field, message):
    # when
    params, errors = ReviewCadence.params.validate(raw)
    # then
    assert params is None
    assert errors == {field: [message]}


def test_valid_params_are_typed_and_defaults_filled_in():
    # when: numbers typed as text, as an HTML form sends them, and an emptied title
    params, errors = ReviewCadence.params.validate({"every_days": "90", "title": " "})
    # then
    assert errors == {}
    assert params.to_json() == {
        "every_days": 90,
        "review_kind": "business_review",
        "title": None,
        "due_in_days": 14,
        "ask_partner": False,
    }


def test_describe_states_the_rule_in_plain_language():
    # given
    scoped = ReviewCadence({"every_days": 90, "review_kind": "strategy_review"}, Scope(engagement=("strategic",)))
    titled = ReviewCadence({"every_days": 365, "title": "Annual review"})
    # then
    assert scoped.describe() == "Every 90 days, if engagement is strategic: schedule a strategy review"
    assert titled.describe() == "Every 365 days: schedule a business review (“Annual review”)"


def test_asking_the_partner_adds_a_request_addressed_to_it_beside_the_managers_task():
    # given
    rule = ReviewCadence({"every_days": 90, "ask_partner": True, "due_in_days": 10})
    partner = facts(last_review_on={"business_review": ago(120)})
    # when
    task, request = rule.evaluate(partner)
    # then
    assert (task.kind, task.audience) == ("task", "manager")
    assert (request.kind, request.audience) == ("notification", "partner")
    assert request.title == "Please propose dates for a business review"
    assert request.explanation == (
        f"Your last business review with us was on {ago(120).isoformat()}; we hold one every 90 days. "
        "Please send your partner manager a few dates that suit you."
    )
    assert request.dedupe == f"{task.dedupe}:partner"
    assert request.due_on == task.due_on == ahead(10)
    assert "Acme Health" not in request.title + request.explanation  # written to the partner itself


def test_a_partner_never_reviewed_is_asked_for_its_first_review():
    # when
    _, request = ReviewCadence({"every_days": 90, "ask_partner": True}).evaluate(facts(created_on=ago(100)))
    # then
    assert request.explanation.startswith("We have not held a business review with you yet; we hold one every 90 days.")


def test_without_asking_the_partner_only_the_manager_is_tasked():
    # when
    drafts = ReviewCadence({"every_days": 90}).evaluate(facts(last_review_on={"business_review": ago(120)}))
    # then
    assert [draft.audience for draft in drafts] == ["manager"]


def test_describe_says_the_partner_is_asked():
    # then
    assert ReviewCadence({"every_days": 90, "ask_partner": True}).describe() == (
        "Every 90 days: schedule a business review, and ask the partner to propose dates"
    )
