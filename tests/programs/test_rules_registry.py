"""The rule registry, spec building and the shared contract (facts, scope, outcome drafts, params)."""

import json

import pytest

from programs.strategies.rules import (
    RULES,
    InvalidRuleError,
    OutcomeDraft,
    Rule,
    Scope,
    UnknownRuleKindError,
    build_rules,
    register,
    rule_for,
)
from programs.strategies.rules.inactivity import Inactivity
from programs.strategies.rules.params import IntParam, ParamSchema, StrParam
from tests.programs.rule_facts import ago, agreement, ahead, document, facts, metric

KINDS = {
    "agreement_renewal",
    "certification_coverage",
    "certification_expiry",
    "document_compliance",
    "health_score",
    "inactivity",
    "metric_threshold",
    "onboarding_deadline",
    "pipeline_metric",
    "review_cadence",
    "tier_evaluation",
}


def test_importing_the_package_registers_every_rule_kind():
    # then
    assert set(RULES) == KINDS
    assert all(cls.label and cls.description for cls in RULES.values())


def test_rule_for_finds_a_kind_and_refuses_an_unknown_one():
    # then
    assert rule_for("inactivity") is Inactivity
    with pytest.raises(UnknownRuleKindError, match=r"Unknown rule kind “coffee”\."):
        rule_for("coffee")


def test_build_rules_builds_valid_specs_in_order_with_their_scope():
    # given
    specs = [
        {"kind": "review_cadence", "params": {"every_days": 90}, "scope": {"engagement": ["strategic"]}},
        {"kind": "inactivity", "params": {"days": 120}},
        {"kind": "health_score"},
    ]
    # when
    rules, errors = build_rules(specs)
    # then
    assert errors == {}
    assert [rule.kind for rule in rules] == ["review_cadence", "inactivity", "health_score"]
    assert rules[0].scope == Scope(engagement=("strategic",))
    assert rules[1].to_spec() == {
        "kind": "inactivity",
        "params": {"days": 120, "recommend_inactive": False},
        "scope": {},
    }


def test_a_normalised_spec_builds_the_same_rule_again():
    # given
    (rule,), _ = build_rules(
        [{"kind": "metric_threshold", "params": {"metric": "csat", "operator": "lt", "value": "4"}}]
    )
    # when
    (again,), errors = build_rules([rule.to_spec()])
    # then
    assert errors == {}
    assert again.to_spec() == rule.to_spec()
    json.dumps(rule.to_spec())


def test_build_rules_reports_an_unknown_kind_under_the_rules_index():
    # when
    rules, errors = build_rules([{"kind": "x"}])
    # then
    assert rules == []
    assert errors == {"0": {"kind": ["Unknown rule kind “x”."]}}


def test_build_rules_reports_param_errors_by_index_and_field_and_builds_nothing():
    # given: two valid rules and one with a bad param
    specs = [
        {"kind": "inactivity", "params": {"days": 120}},
        {"kind": "health_score", "params": {}},
        {"kind": "inactivity", "params": {"days": 3}},
    ]
    # when
    rules, errors = build_rules(specs)
    # then: all or nothing, so a strategy never runs with a rule silently missing
    assert rules == []
    assert errors == {"2": {"params": {"days": ["Must be a whole number from 7 to 730."]}}}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({}, {"kind": ["This field is required."]}),
        ("inactivity", {"__all__": ["Must be an object with kind, params and scope."]}),
        ({"kind": "inactivity", "params": [120]}, {"params": {"__all__": ["Must be an object of named parameters."]}}),
        (
            {"kind": "inactivity", "params": {"days": 120}, "enabled": True},
            {"__all__": ["Unknown key “enabled”; use kind, params and scope."]},
        ),
        (
            {"kind": "inactivity", "scope": {"tiers": ["gold"]}},
            {
                "params": {"days": ["This field is required."]},
                "scope": {"tiers": ["Unknown scope key; use verticals, regions or engagement."]},
            },
        ),
    ],
)
def test_build_rules_reports_malformed_specs_in_the_same_shape(spec, expected):
    # when
    _, errors = build_rules([spec])
    # then
    assert errors == {"0": expected}


def test_build_rules_refuses_something_that_is_not_a_list():
    # when
    rules, errors = build_rules({"kind": "inactivity"})
    # then
    assert rules == []
    assert errors == {"__all__": ["Must be a list of rules."]}


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ({"regions": "EMEA"}, {"regions": ["Must be a list of non-empty text values."]}),
        ({"verticals": ["healthcare", ""]}, {"verticals": ["Must be a list of non-empty text values."]}),
        (
            {"engagement": ["deep"]},
            {"engagement": ["Unknown engagement level “deep”. Use arms_length, collaborative or strategic."]},
        ),
        ({"regions": ["EMEA", "MOON"]}, {"regions": ["Unknown region “MOON”."]}),
        ({"verticals": ["healthcare", "gaming"]}, {"verticals": ["Unknown vertical “gaming”."]}),
    ],
)
def test_scope_values_are_checked_against_the_known_regions_and_verticals(scope, expected):
    # when
    _, errors = build_rules(
        [{"kind": "inactivity", "params": {"days": 120}, "scope": scope}],
        known_regions={"EMEA", "DACH", "AMER"},
        known_verticals={"healthcare", "manufacturing"},
    )
    # then
    assert errors == {"0": {"scope": expected}}


def test_scope_regions_and_verticals_are_not_checked_when_the_caller_knows_none():
    # when
    (rule,), errors = build_rules(
        [{"kind": "inactivity", "params": {"days": 120}, "scope": {"regions": ["MOON"], "verticals": ["gaming"]}}]
    )
    # then
    assert errors == {}
    assert rule.scope == Scope(regions=("MOON",), verticals=("gaming",))


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        (Scope(), True),
        (Scope(regions=("GLOBAL",)), True),
        (Scope(regions=("AMER", "DACH")), True),
        (Scope(regions=("NA",)), False),
        (Scope(verticals=("finance", "healthcare")), True),
        (Scope(verticals=("finance",)), False),
        (Scope(engagement=("collaborative", "strategic")), True),
        (Scope(regions=("EMEA",), verticals=("healthcare",), engagement=("strategic",)), False),
    ],
)
def test_a_scope_matches_when_every_given_dimension_matches(scope, expected):
    # then: the partner is a collaborative DACH healthcare partner
    assert scope.matches(facts()) is expected


def test_a_scope_describes_itself_for_the_rule_sentence():
    # given
    scope = Scope(verticals=("healthcare",), regions=("EMEA", "APAC"), engagement=("arms_length", "collaborative"))
    # then
    assert scope.describe() == (
        "if engagement is arm's length or collaborative and region is EMEA or APAC and vertical is healthcare"
    )
    assert Scope().describe() == ""


def test_evaluate_if_in_scope_skips_partners_out_of_scope():
    # given
    rule = Inactivity({"days": 30}, Scope(engagement=("strategic",)))
    quiet = facts(last_activity_on=ago(60))
    # then
    assert rule.evaluate_if_in_scope(quiet) == []
    assert len(rule.evaluate(quiet)) == 1


def test_a_rule_built_directly_from_invalid_values_raises_with_field_errors():
    # when
    with pytest.raises(InvalidRuleError) as raised:
        Inactivity({"days": 1, "mood": "calm"})
    # then
    assert raised.value.errors == {
        "params": {"mood": ["Unknown parameter."], "days": ["Must be a whole number from 7 to 730."]}
    }


def test_params_are_read_only_attributes():
    # given
    rule = Inactivity({"days": 45})
    # then
    assert rule.p.days == 45
    assert dict(rule.p) == {"days": 45, "recommend_inactive": False}
    with pytest.raises(AttributeError):
        rule.p.days = 1
    with pytest.raises(AttributeError):
        _ = rule.p.weeks


@pytest.mark.parametrize(
    ("param", "raw", "cleaned"),
    [
        (IntParam("n", min=1, max=10), "7", 7),
        (IntParam("n", min=1, max=10), 7.0, 7),
        (StrParam("s", max_length=5, default="dflt"), "  ", "dflt"),
        (StrParam("s", max_length=5), "  ab ", "ab"),
    ],
)
def test_params_accept_form_input_and_trim_it(param, raw, cleaned):
    # when
    params, errors = ParamSchema(param).validate({param.name: raw})
    # then
    assert errors == {}
    assert params[param.name] == cleaned


@pytest.mark.parametrize(
    ("param", "message"),
    [
        (IntParam("n"), "Must be a whole number."),
        (IntParam("n", min=0), "Must be a whole number of at least 0."),
        (IntParam("n", max=9), "Must be a whole number of at most 9."),
    ],
)
def test_range_messages_name_only_the_bounds_that_exist(param, message):
    # when
    _, errors = ParamSchema(param).validate({"n": "ten"})
    # then
    assert errors == {"n": [message]}


def test_register_refuses_a_second_class_for_a_kind_and_an_incomplete_class():
    # given
    class Impostor(Rule):
        kind, label, description = "inactivity", "Impostor", "Claims a taken kind."

    class Nameless(Rule):
        kind, label, description = "nameless", "", "Has no label."

    # then
    with pytest.raises(TypeError, match="already registered"):
        register(Impostor)
    with pytest.raises(TypeError, match="must set label"):
        register(Nameless)
    assert RULES["inactivity"] is Inactivity
    assert "nameless" not in RULES


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "email"},
        {"kind": "task", "audience": "everyone"},
        {"kind": "score"},
        {"kind": "score", "score": 101},
        {"kind": "task", "score": 50},
        {"kind": "status_change"},
        {"kind": "task", "recommended_status": "inactive"},
    ],
)
def test_a_malformed_outcome_draft_is_refused(fields):
    # then
    with pytest.raises(ValueError):
        OutcomeDraft(title="t", explanation="e", dedupe="d", evidence={}, **fields)


TRIGGERING = [
    ({"kind": "review_cadence", "params": {"every_days": 30}}, facts()),
    ({"kind": "inactivity", "params": {"days": 30, "recommend_inactive": True}}, facts(last_activity_on=None)),
    ({"kind": "agreement_renewal", "params": {"days_before": 30}}, facts(agreements=(agreement(end_on=ahead(3)),))),
    (
        {"kind": "document_compliance", "params": {"required_kinds": ["kyc", "nda"], "max_age_days": 30}},
        facts(documents=(document(issued_on=ago(40), expires_on=ahead(3)),)),
    ),
    ({"kind": "onboarding_deadline", "params": {"days": 10}}, facts(status="onboarding")),
    (
        {
            "kind": "metric_threshold",
            "params": {"metric": "csat", "operator": "lt", "value": 4, "aggregate": "average"},
        },
        facts(metrics=(metric(key="csat", value=3.3), metric(key="csat", value=3.4, end_days_ago=40))),
    ),
    ({"kind": "health_score"}, facts(metrics=(metric(),), agreements=(agreement(),))),
]


@pytest.mark.parametrize(("spec", "partner"), TRIGGERING, ids=[spec["kind"] for spec, _ in TRIGGERING])
def test_every_kind_explains_itself_with_json_evidence(spec, partner):
    # given
    (rule,), _ = build_rules([spec])
    # when
    drafts = rule.evaluate_if_in_scope(partner)
    # then
    assert drafts
    for draft in drafts:
        assert draft.title and draft.explanation and draft.dedupe
        json.loads(json.dumps(draft.evidence))
    assert len({draft.dedupe for draft in drafts}) == len(drafts)
    assert rule.describe()
