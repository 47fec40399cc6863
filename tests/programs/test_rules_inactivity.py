"""inactivity: a re-engagement task (and optionally a status recommendation) for quiet partners."""

import json

import pytest

from programs.strategies.rules import Scope
from programs.strategies.rules.inactivity import Inactivity
from tests.programs.rule_facts import ago, ahead, facts


@pytest.mark.parametrize(("quiet_days", "expected"), [(119, 0), (120, 1), (121, 1)])
def test_a_task_appears_once_the_partner_has_been_quiet_for_the_threshold(quiet_days, expected):
    # given
    rule = Inactivity({"days": 120})
    # when
    drafts = rule.evaluate(facts(last_activity_on=ago(quiet_days)))
    # then
    assert len(drafts) == expected


def test_the_task_explains_how_long_the_partner_has_been_quiet():
    # given
    rule = Inactivity({"days": 120})
    # when
    (draft,) = rule.evaluate(facts(last_activity_on=ago(121)))
    # then
    assert draft.kind == "task"
    assert draft.title == "Re-engage Acme Health"
    assert draft.explanation == "No activity for 121 days, since 2025-03-01 (threshold: 120 days)."
    assert draft.evidence == {"last_activity_on": "2025-03-01", "days_without_activity": 121, "threshold_days": 120}
    json.dumps(draft.evidence)


@pytest.mark.parametrize(("age", "expected"), [(119, 0), (120, 1)])
def test_a_partner_without_any_activity_counts_from_its_creation(age, expected):
    # given
    rule = Inactivity({"days": 120})
    # when
    drafts = rule.evaluate(facts(last_activity_on=None, created_on=ago(age)))
    # then
    assert len(drafts) == expected
    if drafts:
        assert drafts[0].dedupe == "inactivity:7:never"
        assert drafts[0].explanation == "No activity since the partner was created 120 days ago (threshold: 120 days)."


def test_recommend_inactive_adds_a_status_change_for_an_active_partner():
    # given
    rule = Inactivity({"days": 120, "recommend_inactive": True})
    # when
    task, change = rule.evaluate(facts(last_activity_on=ago(130)))
    # then
    assert task.kind == "task"
    assert change.kind == "status_change"
    assert change.recommended_status == "inactive"
    assert change.title == "Mark Acme Health as inactive"
    assert change.dedupe == "inactivity-status:7:2025-02-20"
    assert change.dedupe != task.dedupe


@pytest.mark.parametrize("status", ["onboarding", "inactive", "prospect"])
def test_no_status_change_is_recommended_for_a_partner_that_is_not_active(status):
    # given
    rule = Inactivity({"days": 120, "recommend_inactive": True})
    # when
    drafts = rule.evaluate(facts(status=status, last_activity_on=ago(130)))
    # then
    assert [d.kind for d in drafts] == ["task"]


def test_without_recommend_inactive_only_the_task_is_produced():
    # when
    drafts = Inactivity({"days": 120}).evaluate(facts(last_activity_on=ago(400)))
    # then
    assert [d.kind for d in drafts] == ["task"]


def test_dedupe_is_stable_while_quiet_and_changes_after_new_activity():
    # given
    rule = Inactivity({"days": 120})
    # when
    today = rule.evaluate(facts(last_activity_on=ago(130)))[0].dedupe
    tomorrow = rule.evaluate(facts(last_activity_on=ago(130), today=ahead(1)))[0].dedupe
    after_new_quiet_spell = rule.evaluate(facts(last_activity_on=ago(125)))[0].dedupe
    # then
    assert today == tomorrow == "inactivity:7:2025-02-20"
    assert after_new_quiet_spell != today


def test_a_region_scope_matches_partners_in_its_sub_regions():
    # given: the partner is in DACH, whose ancestors EMEA and GLOBAL are in its facts
    emea = Inactivity({"days": 120}, Scope(regions=("EMEA",)))
    amer = Inactivity({"days": 120}, Scope(regions=("AMER",)))
    quiet = facts(last_activity_on=ago(200))
    # then
    assert len(emea.evaluate_if_in_scope(quiet)) == 1
    assert amer.evaluate_if_in_scope(quiet) == []


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        ({}, "days", "This field is required."),
        ({"days": "a while"}, "days", "Must be a whole number from 7 to 730."),
        ({"days": 6}, "days", "Must be a whole number from 7 to 730."),
        ({"days": 731}, "days", "Must be a whole number from 7 to 730."),
        ({"days": 120, "recommend_inactive": "yes"}, "recommend_inactive", "Must be true or false."),
        ({"days": 120, "activity": "any"}, "activity", "Unknown parameter."),
    ],
)
def test_invalid_params_are_reported_per_field(raw, field, message):
    # when
    params, errors = Inactivity.params.validate(raw)
    # then
    assert params is None
    assert errors == {field: [message]}


def test_describe_states_the_rule_in_plain_language():
    # then
    assert Inactivity({"days": 120}).describe() == (
        "When there has been no activity for 120 days: ask the owner to re-engage the partner"
    )
    assert Inactivity({"days": 180, "recommend_inactive": True}, Scope(verticals=("healthcare",))).describe() == (
        "When there has been no activity for 180 days, if vertical is healthcare: "
        "ask the owner to re-engage the partner and recommend marking an active partner inactive"
    )
