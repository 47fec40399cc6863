"""onboarding_deadline: escalate a partner still onboarding after the allowed number of days."""

import json

import pytest

from programs.strategies.rules import Scope
from programs.strategies.rules.onboarding_deadline import OnboardingDeadline
from tests.programs.rule_facts import ago, ahead, facts


@pytest.mark.parametrize(("days_onboarding", "expected"), [(59, 0), (60, 0), (61, 1)])
def test_an_escalation_appears_only_after_the_deadline_day(days_onboarding, expected):
    # given
    rule = OnboardingDeadline({"days": 60})
    # when
    drafts = rule.evaluate(facts(status="onboarding", onboarding_started_on=ago(days_onboarding)))
    # then
    assert len(drafts) == expected


def test_the_escalation_explains_start_and_deadline():
    # when
    (draft,) = OnboardingDeadline({"days": 60}).evaluate(facts(status="onboarding", onboarding_started_on=ago(61)))
    # then
    assert draft.kind == "alert"
    assert draft.title == "Onboarding of Acme Health is overdue"
    assert draft.explanation == "Onboarding started on 2025-04-30, 61 days ago; it should be complete within 60 days."
    assert draft.evidence["start_known"] is True
    json.dumps(draft.evidence)


@pytest.mark.parametrize("status", ["prospect", "active", "inactive", "terminated"])
def test_partners_that_are_not_onboarding_are_never_escalated(status):
    # when
    drafts = OnboardingDeadline({"days": 60}).evaluate(facts(status=status, onboarding_started_on=ago(300)))
    # then
    assert drafts == []


def test_an_unknown_start_counts_from_the_partners_creation():
    # when
    (draft,) = OnboardingDeadline({"days": 60}).evaluate(
        facts(status="onboarding", onboarding_started_on=None, created_on=ago(61))
    )
    # then
    assert draft.evidence["onboarding_started_on"] == "2025-04-30"
    assert draft.evidence["start_known"] is False


def test_dedupe_is_stable_and_changes_when_onboarding_starts_again():
    # given
    rule = OnboardingDeadline({"days": 60})
    # when
    first = rule.evaluate(facts(status="onboarding", onboarding_started_on=ago(70)))[0].dedupe
    next_day = rule.evaluate(facts(status="onboarding", onboarding_started_on=ago(70), today=ahead(1)))[0].dedupe
    restarted = rule.evaluate(facts(status="onboarding", onboarding_started_on=ago(65)))[0].dedupe
    # then
    assert first == next_day == "onboarding_deadline:7:2025-04-21"
    assert restarted != first


def test_the_scope_limits_the_rule_to_matching_engagement_levels():
    # given
    late = facts(status="onboarding", onboarding_started_on=ago(90))
    # then
    assert len(OnboardingDeadline({"days": 60}, Scope(engagement=("collaborative",))).evaluate_if_in_scope(late)) == 1
    assert OnboardingDeadline({"days": 60}, Scope(engagement=("strategic",))).evaluate_if_in_scope(late) == []


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        ({}, "days", "This field is required."),
        ({"days": None}, "days", "This field is required."),
        ({"days": 0}, "days", "Must be a whole number from 1 to 365."),
        ({"days": 366}, "days", "Must be a whole number from 1 to 365."),
        ({"days": [60]}, "days", "Must be a whole number from 1 to 365."),
        ({"days": 60, "escalate_to": "boss"}, "escalate_to", "Unknown parameter."),
    ],
)
def test_invalid_params_are_reported_per_field(raw, field, message):
    # when
    params, errors = OnboardingDeadline.params.validate(raw)
    # then
    assert params is None
    assert errors == {field: [message]}


def test_describe_states_the_rule_in_plain_language():
    # then
    assert (
        OnboardingDeadline({"days": 60}).describe()
        == "When onboarding takes longer than 60 days: escalate to the owner"
    )
