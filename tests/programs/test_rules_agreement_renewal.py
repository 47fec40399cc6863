"""agreement_renewal: a renewal task for each active agreement nearing, or past, its end."""

import json

import pytest

from programs.strategies.rules import Scope
from programs.strategies.rules.agreement_renewal import AgreementRenewal
from tests.programs.rule_facts import TODAY, ago, agreement, ahead, facts


@pytest.mark.parametrize(("days_left", "expected"), [(61, 0), (60, 1), (59, 1), (0, 1)])
def test_a_task_appears_once_the_end_is_within_days_before(days_left, expected):
    # given
    rule = AgreementRenewal({"days_before": 60})
    # when
    drafts = rule.evaluate(facts(agreements=(agreement(end_on=ahead(days_left)),)))
    # then
    assert len(drafts) == expected


def test_the_task_names_the_agreement_and_is_due_on_its_end():
    # given
    rule = AgreementRenewal({"days_before": 60})
    # when
    (draft,) = rule.evaluate(facts(agreements=(agreement(id=12, end_on=ahead(45)),)))
    # then
    assert draft.kind == "task"
    assert draft.title == "Renew the reseller agreement with Acme Health"
    assert draft.explanation == "The reseller agreement #12 ends on 2025-08-14, in 45 days (renewal window: 60 days)."
    assert draft.due_on == ahead(45)
    assert draft.evidence["days_left"] == 45
    json.dumps(draft.evidence)


def test_an_agreement_past_its_end_but_still_active_has_lapsed():
    # given
    rule = AgreementRenewal({"days_before": 30})
    # when
    (draft,) = rule.evaluate(facts(agreements=(agreement(id=12, end_on=ago(3)),)))
    # then
    assert (
        draft.explanation
        == "The reseller agreement #12 ended on 2025-06-27, 3 days ago, but is still active: it has lapsed."
    )
    assert draft.due_on == TODAY
    assert draft.evidence["lapsed"] is True


@pytest.mark.parametrize("status", ["draft", "expired", "terminated"])
def test_agreements_that_are_not_active_are_ignored(status):
    # when
    drafts = AgreementRenewal({"days_before": 60}).evaluate(
        facts(agreements=(agreement(status=status, end_on=ahead(5)),))
    )
    # then
    assert drafts == []


def test_open_ended_agreements_never_need_renewal():
    # when
    drafts = AgreementRenewal({"days_before": 365}).evaluate(facts(agreements=(agreement(end_on=None),)))
    # then
    assert drafts == []


def test_each_agreement_in_the_window_gets_its_own_task_and_kinds_filter_them():
    # given
    agreements = (
        agreement(id=1, kind="reseller", end_on=ahead(10)),
        agreement(id=2, kind="referral", end_on=ahead(20)),
    )
    # when
    every_kind = AgreementRenewal({"days_before": 60}).evaluate(facts(agreements=agreements))
    referral_only = AgreementRenewal({"days_before": 60, "kinds": ["referral"]}).evaluate(facts(agreements=agreements))
    # then
    assert [d.evidence["agreement_id"] for d in every_kind] == [1, 2]
    assert [d.evidence["agreement_id"] for d in referral_only] == [2]


def test_dedupe_is_stable_and_changes_when_the_agreement_is_extended():
    # given
    rule = AgreementRenewal({"days_before": 60})
    # when
    first = rule.evaluate(facts(agreements=(agreement(id=12, end_on=ahead(45)),)))[0].dedupe
    next_day = rule.evaluate(facts(agreements=(agreement(id=12, end_on=ahead(45)),), today=ahead(1)))[0].dedupe
    extended = rule.evaluate(facts(agreements=(agreement(id=12, end_on=ahead(50)),)))[0].dedupe
    # then
    assert first == next_day == "agreement_renewal:7:12:2025-08-14"
    assert extended != first


def test_the_scope_limits_the_rule_to_matching_verticals():
    # given
    ending = facts(agreements=(agreement(end_on=ahead(5)),))
    # then
    assert (
        len(AgreementRenewal({"days_before": 60}, Scope(verticals=("healthcare",))).evaluate_if_in_scope(ending)) == 1
    )
    assert AgreementRenewal({"days_before": 60}, Scope(verticals=("manufacturing",))).evaluate_if_in_scope(ending) == []


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        ({}, "days_before", "This field is required."),
        ({"days_before": 0}, "days_before", "Must be a whole number from 1 to 365."),
        ({"days_before": 366}, "days_before", "Must be a whole number from 1 to 365."),
        ({"days_before": "soon"}, "days_before", "Must be a whole number from 1 to 365."),
        ({"days_before": 60, "kinds": "reseller"}, "kinds", "Must be a list of non-empty text values."),
        (
            {"days_before": 60, "kinds": ["leasing"]},
            "kinds",
            "Unknown value “leasing”. Must be one of: reseller, referral, technology_alliance, support_services, "
            "financing, nda_master.",
        ),
        ({"days_before": 60, "notify": True}, "notify", "Unknown parameter."),
    ],
)
def test_invalid_params_are_reported_per_field(raw, field, message):
    # when
    params, errors = AgreementRenewal.params.validate(raw)
    # then
    assert params is None
    assert errors == {field: [message]}


def test_describe_states_the_rule_in_plain_language():
    # then
    assert AgreementRenewal({"days_before": 60}).describe() == (
        "When an active agreement ends within 60 days: ask the owner to renew it"
    )
    assert AgreementRenewal({"days_before": 30, "kinds": ["reseller", "referral"]}).describe() == (
        "When an active reseller or referral agreement ends within 30 days: ask the owner to renew it"
    )
