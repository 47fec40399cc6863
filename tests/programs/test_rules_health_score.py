"""health_score: one 0-100 score per partner and day from the weighted components that have data."""

import json

import pytest

from programs.strategies.rules import Scope
from programs.strategies.rules.health_score import HealthScore
from tests.programs.rule_facts import TODAY, ago, agreement, ahead, document, facts, metric


def score_of(weights: dict, **overrides) -> int:
    (draft,) = HealthScore({"weights": weights}).evaluate(facts(**overrides))
    return draft.score


@pytest.mark.parametrize(("quiet_days", "expected"), [(30, 100), (31, 100), (32, 99), (198, 50), (364, 0), (365, 0)])
def test_activity_is_full_up_to_30_days_and_falls_linearly_to_zero_at_365(quiet_days, expected):
    # then: 31 days is 99.7, which rounds to 100
    assert score_of({"activity": 1}, last_activity_on=ago(quiet_days)) == expected


@pytest.mark.parametrize(("days_since_review", "expected"), [(180, 100), (181, 50), (365, 50), (366, 0)])
def test_reviews_score_by_the_age_of_the_newest_review(days_since_review, expected):
    # given
    reviews = {"business_review": ago(900), "strategy_review": ago(days_since_review)}
    # then
    assert score_of({"reviews": 1}, last_review_on=reviews) == expected


def test_documents_score_the_share_of_kinds_whose_newest_document_is_current():
    # given: KYC current, NDA expired, an old expired insurance certificate replaced by a current one
    documents = (
        document(id=1, kind="kyc", expires_on=ahead(100)),
        document(id=2, kind="nda", expires_on=ago(1)),
        document(id=3, kind="insurance", issued_on=ago(400), expires_on=ago(30)),
        document(id=4, kind="insurance", issued_on=ago(30), expires_on=ahead(335)),
    )
    # then
    assert score_of({"documents": 1}, documents=documents) == 67


@pytest.mark.parametrize(
    ("agreements", "expected"),
    [
        ((agreement(end_on=TODAY),), 100),
        ((agreement(end_on=None),), 100),
        ((agreement(end_on=ago(1)),), 0),
        ((agreement(status="expired", end_on=ahead(10)),), 0),
    ],
)
def test_agreements_score_full_only_with_a_live_active_agreement(agreements, expected):
    # then
    assert score_of({"agreements": 1}, agreements=agreements) == expected


@pytest.mark.parametrize(("end_days_ago", "expected"), [(90, 100), (91, 0)])
def test_metrics_score_whether_anything_was_reported_in_the_last_90_days(end_days_ago, expected):
    # then
    assert score_of({"metrics": 1}, metrics=(metric(end_days_ago=end_days_ago, value=1),)) == expected


def test_the_score_is_the_weighted_average_of_the_components():
    # given: activity 100, reviews 0, documents 50, agreements 100 with the default weights
    partner = facts(
        last_activity_on=ago(5),
        last_review_on={"business_review": ago(500)},
        documents=(document(id=1, kind="kyc"), document(id=2, kind="nda", expires_on=ago(3))),
        agreements=(agreement(end_on=ahead(100)),),
    )
    # when
    (draft,) = HealthScore().evaluate(partner)
    # then: 0.4·100 + 0.2·0 + 0.2·50 + 0.2·100
    assert draft.kind == "score"
    assert draft.score == 70
    assert draft.title == "Health score 70"
    assert draft.evidence["components"] == {"activity": 100.0, "reviews": 0.0, "documents": 50.0, "agreements": 100.0}
    json.dumps(draft.evidence)


def test_components_without_data_are_left_out_and_the_weights_renormalised():
    # given: only activity has data, 100 days ago (79.1)
    partner = facts(last_activity_on=ago(100))
    # when
    (draft,) = HealthScore().evaluate(partner)
    # then
    assert draft.score == 79
    assert draft.evidence["weights"] == {"activity": 1.0}
    assert draft.evidence["left_out"] == ["reviews", "documents", "agreements"]
    assert draft.explanation == (
        "Health score 79 of 100 from activity 79.1 (weight 100 %). "
        "Left out for lack of data: reviews, documents, agreements."
    )


def test_a_partner_never_active_is_scored_from_its_creation():
    # then
    assert score_of({"activity": 1}, last_activity_on=None, created_on=ago(20)) == 100
    assert score_of({"activity": 1}, last_activity_on=None, created_on=ago(400)) == 0


def test_no_score_without_any_weighted_component_that_has_data():
    # when
    drafts = HealthScore({"weights": {"documents": 1, "activity": 0}}).evaluate(facts())
    # then
    assert drafts == []


def test_dedupe_is_one_per_partner_and_day():
    # given
    rule = HealthScore()
    # when
    today = rule.evaluate(facts())[0].dedupe
    again = rule.evaluate(facts(last_activity_on=ago(200)))[0].dedupe
    tomorrow = rule.evaluate(facts(today=ahead(1)))[0].dedupe
    # then
    assert today == again == "health:7:2025-06-30"
    assert tomorrow == "health:7:2025-07-01"


def test_the_scope_limits_the_rule_to_matching_partners():
    # given
    rule = HealthScore(scope=Scope(regions=("DACH",)))
    # then
    assert len(rule.evaluate_if_in_scope(facts())) == 1
    assert rule.evaluate_if_in_scope(facts(regions=("NORDICS", "EMEA", "GLOBAL"))) == []


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {"weights": [0.5, 0.5]},
            "Must be an object mapping activity, reviews, documents, agreements, metrics to numbers.",
        ),
        ({"weights": {"mood": 1}}, "Unknown key “mood”. Use activity, reviews, documents, agreements, metrics."),
        ({"weights": {"activity": -1}}, "“activity”: must be a number from 0 to 100."),
        ({"weights": {"activity": "a lot"}}, "“activity”: must be a number from 0 to 100."),
        ({"weights": {"activity": 0, "reviews": 0}}, "At least one value must be above 0."),
        ({"weights": {}}, "At least one value must be above 0."),
    ],
)
def test_invalid_weights_are_reported(raw, message):
    # when
    params, errors = HealthScore.params.validate(raw)
    # then
    assert params is None
    assert errors == {"weights": [message]}


def test_an_unknown_param_is_reported():
    # when
    _, errors = HealthScore.params.validate({"weight": {"activity": 1}})
    # then
    assert errors == {"weight": ["Unknown parameter."]}


def test_default_weights_are_activity_heavy_and_each_rule_gets_its_own_copy():
    # given
    first, second = HealthScore(), HealthScore()
    # then
    assert first.p.weights == {"activity": 0.4, "reviews": 0.2, "documents": 0.2, "agreements": 0.2}
    assert first.p.weights is not second.p.weights


def test_describe_states_the_rule_in_plain_language():
    # then
    assert HealthScore().describe() == (
        "On every run: score the partner's health from activity 40 %, reviews 20 %, documents 20 %, agreements 20 %"
    )
    assert HealthScore({"weights": {"activity": 1, "metrics": 3}}).describe() == (
        "On every run: score the partner's health from activity 25 %, metrics 75 %"
    )
