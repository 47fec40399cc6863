"""Tier evaluation as pure functions: every requirement kind at, below and above its threshold,
which tier a member qualifies for, and the grace-period timing, all without a database."""

from datetime import timedelta

import pytest

from programs.strategies.rules.base import CertificationFact, DealFact, MembershipFact, TierFact
from programs.tiers.evaluation import Action, State, evaluate_membership, gaps_in_words
from tests.programs.rule_facts import TODAY, ago, agreement, ahead, facts

REGISTERED = TierFact(id=1, name="Registered", rank=1)
SILVER = TierFact(id=2, name="Silver", rank=2, min_revenue=50_000.0, min_won_deals=2)
GOLD = TierFact(
    id=3, name="Gold", rank=3, min_revenue=200_000.0, min_won_deals=5,
    min_certified={"healthcare": 3}, requires_agreement=True, min_health_score=70,
)  # fmt: skip


def membership(tier=SILVER, state=State.OK, tiers=(REGISTERED, SILVER, GOLD), **overrides) -> MembershipFact:
    values = {
        "id": 11, "program_id": 5, "program_slug": "channel", "program_name": "Channel Partner Program",
        "currency": "EUR", "auto_upgrade": False, "grace_days": 90, "tiers": tiers, "tier_id": tier.id,
        "state": state, "since": ago(400),
    }  # fmt: skip
    values.update(overrides)
    return MembershipFact(**values)


def won(amount, days_ago=30, currency="EUR", id=None) -> DealFact:
    return DealFact(id or int(amount) + days_ago, "won", ago(days_ago + 60), ago(days_ago), float(amount), currency)


def certified(contact_id, vertical="healthcare", verified=True, expires_on=None) -> CertificationFact:
    return CertificationFact(contact_id * 10, contact_id, 1, vertical, ago(100), expires_on or ahead(300), verified)


def check(evaluation, tier, key):
    return next(c for c in evaluation.requirements(tier) if c.key == key)


# --- each requirement kind at, below and above its threshold -------------------------------------


@pytest.mark.parametrize(("amounts", "met"), [([49_999.99], False), ([20_000, 30_000], True), ([60_000], True)])
def test_revenue_counts_won_deals_of_the_trailing_year_in_the_program_currency(amounts, met):
    # given won deals plus ones that must not count: lost, older than a year, another currency
    deals = [won(a, id=i + 1) for i, a in enumerate(amounts)] + [
        DealFact(90, "lost", ago(90), ago(20), 500_000.0, "EUR"),
        won(500_000, days_ago=366, id=91),
        won(500_000, currency="USD", id=92),
    ]
    # when
    evaluation = evaluate_membership(facts(deals=tuple(deals)), membership())
    # then
    revenue = check(evaluation, SILVER, "revenue")
    assert (revenue.value, revenue.threshold, revenue.met) == (round(sum(amounts), 2), 50_000.0, met)
    assert revenue.label == "Partner-sourced revenue, last 12 months (EUR)"
    assert (revenue.gap == "") is met


@pytest.mark.parametrize(("count", "met"), [(1, False), (2, True), (3, True)])
def test_won_deals_count_every_currency_within_the_year(count, met):
    deals = tuple(won(100, currency="USD" if i % 2 else "EUR", id=i + 1) for i in range(count))
    deals += (won(100, days_ago=400, id=99),)  # too old
    evaluation = evaluate_membership(facts(deals=deals), membership())
    won_deals = check(evaluation, SILVER, "won_deals")
    assert (won_deals.value, won_deals.threshold, won_deals.met) == (count, 2, met)
    assert won_deals.gap == ("" if met else "1 more won deal")


@pytest.mark.parametrize(("holders", "met", "gap"), [
    (1, False, "2 more healthcare-certified people"),
    (2, False, "1 more healthcare-certified person"),
    (3, True, ""),
    (4, True, ""),
])  # fmt: skip
def test_certified_people_per_vertical_count_distinct_current_verified_holders(holders, met, gap):
    # given current holders, plus certifications that must not count
    certifications = (
        *(certified(contact) for contact in range(1, holders + 1)),
        CertificationFact(900, 1, 2, "healthcare", ago(10), ahead(100), True),  # a second one of contact 1
        certified(50, verified=False),  # not verified yet
        certified(51, expires_on=ago(1)),  # expired yesterday
        certified(52, vertical="finance"),  # another vertical
    )
    evaluation = evaluate_membership(facts(certifications=certifications), membership(tier=GOLD))
    certified_check = check(evaluation, GOLD, "certified:healthcare")
    assert (certified_check.value, certified_check.threshold, certified_check.met) == (holders, 3, met)
    assert certified_check.gap == gap


def test_a_certification_counts_through_its_expiry_day():
    evaluation = evaluate_membership(
        facts(certifications=tuple(certified(c, expires_on=TODAY) for c in (1, 2, 3))), membership(tier=GOLD)
    )
    assert check(evaluation, GOLD, "certified:healthcare").met


@pytest.mark.parametrize(("agreements", "met"), [
    ((), False),
    ((agreement(status="draft"),), False),
    ((agreement(end_on=ago(1)),), False),
    ((agreement(start_on=ahead(1)),), False),
    ((agreement(end_on=TODAY),), True),
    ((agreement(),), True),
])  # fmt: skip
def test_a_signed_agreement_must_be_in_force_today(agreements, met):
    evaluation = evaluate_membership(facts(agreements=agreements), membership(tier=GOLD))
    agreement_check = check(evaluation, GOLD, "agreement")
    assert (agreement_check.value, agreement_check.threshold, agreement_check.met) == (met, True, met)


@pytest.mark.parametrize(("score", "met"), [(None, False), (69, False), (70, True), (71, True)])
def test_health_score_at_below_and_above(score, met):
    evaluation = evaluate_membership(facts(health_score=score), membership(tier=GOLD))
    health = check(evaluation, GOLD, "health_score")
    assert (health.value, health.threshold, health.met) == (score or 0, 70, met)


def test_a_tier_without_requirements_is_always_met_and_explains_nothing():
    evaluation = evaluate_membership(facts(), membership(tier=REGISTERED))
    assert evaluation.requirements(REGISTERED) == ()
    assert evaluation.qualified == REGISTERED


def test_gaps_read_as_a_sentence():
    evaluation = evaluate_membership(facts(deals=(won(10_000),)), membership())
    assert gaps_in_words(evaluation.requirements(SILVER)) == "EUR 40,000 more won revenue and 1 more won deal"


def test_progress_is_the_share_of_the_threshold_reached():
    evaluation = evaluate_membership(facts(deals=(won(10_000),)), membership())
    assert check(evaluation, SILVER, "revenue").progress == 20
    assert check(evaluation, SILVER, "won_deals").progress == 50


# --- what happens to the membership --------------------------------------------------------------

GOLD_FIGURES = {
    "deals": tuple(won(50_000, id=i + 1) for i in range(5)),
    "certifications": tuple(certified(c) for c in (1, 2, 3)),
    "agreements": (agreement(),),
    "health_score": 80,
}


def test_a_member_that_meets_a_higher_tier_is_recommended_the_highest_it_meets():
    evaluation = evaluate_membership(facts(**GOLD_FIGURES), membership(tier=REGISTERED))
    assert (evaluation.action, evaluation.target, evaluation.qualified) == (Action.UPGRADE, GOLD, GOLD)
    assert evaluation.state == State.OK


def test_a_member_at_its_tier_stays_without_action():
    evaluation = evaluate_membership(facts(**GOLD_FIGURES), membership(tier=GOLD))
    assert (evaluation.action, evaluation.state, evaluation.meets_tier) == (None, State.OK, True)
    assert evaluation.next_tier is None


def test_first_evaluation_below_its_tier_starts_the_grace_period():
    evaluation = evaluate_membership(facts(), membership(tier=SILVER))
    assert evaluation.action == Action.START_GRACE
    assert (evaluation.state, evaluation.grace_started_on, evaluation.grace_until) == (
        State.GRACE, TODAY, TODAY + timedelta(days=90),
    )  # fmt: skip


def test_the_grace_period_lasts_the_programs_days():
    evaluation = evaluate_membership(facts(), membership(tier=SILVER, grace_days=30))
    assert evaluation.grace_until == TODAY + timedelta(days=30)


@pytest.mark.parametrize(("days_in_grace", "action", "state"), [
    (0, None, State.GRACE),
    (89, None, State.GRACE),
    (90, Action.PROPOSE_DOWNGRADE, State.PROPOSED_DOWNGRADE),
    (120, Action.PROPOSE_DOWNGRADE, State.PROPOSED_DOWNGRADE),
])  # fmt: skip
def test_still_below_when_the_grace_period_ends_proposes_a_downgrade(days_in_grace, action, state):
    # given a member that entered grace days_in_grace days ago (the clock is "today" of the facts)
    started = TODAY - timedelta(days=days_in_grace)
    member = membership(tier=GOLD, state=State.GRACE, grace_started_on=started, grace_until=started + timedelta(90))
    # when it is still below Gold but meets Silver
    evaluation = evaluate_membership(facts(deals=tuple(won(30_000, id=i + 1) for i in range(2))), member)
    # then
    assert (evaluation.action, evaluation.state) == (action, state)
    assert evaluation.grace_until == started + timedelta(days=90)
    if action:
        assert evaluation.target == SILVER  # the highest tier it meets


def test_a_member_meeting_no_tier_is_proposed_the_lowest():
    started = ago(100)
    tiers = (SILVER, GOLD)  # no tier without requirements
    member = membership(tier=GOLD, state=State.GRACE, tiers=tiers, grace_started_on=started, grace_until=ago(10))
    evaluation = evaluate_membership(facts(), member)
    assert (evaluation.action, evaluation.target) == (Action.PROPOSE_DOWNGRADE, SILVER)


def test_a_proposed_downgrade_waits_for_the_manager():
    member = membership(tier=GOLD, state=State.PROPOSED_DOWNGRADE, grace_started_on=ago(100), grace_until=ago(10))
    evaluation = evaluate_membership(facts(), member)
    assert (evaluation.action, evaluation.state, evaluation.target) == (None, State.PROPOSED_DOWNGRADE, REGISTERED)


@pytest.mark.parametrize("state", [State.GRACE, State.PROPOSED_DOWNGRADE])
def test_meeting_the_tier_again_ends_the_grace_period(state):
    member = membership(tier=SILVER, state=state, grace_started_on=ago(100), grace_until=ago(10))
    evaluation = evaluate_membership(facts(deals=(won(30_000, id=1), won(30_000, id=2))), member)
    assert (evaluation.action, evaluation.state) == (Action.RECOVER, State.OK)


def test_the_lowest_tier_cannot_be_left_downwards():
    tiers = (SILVER, GOLD)
    member = membership(tier=SILVER, state=State.GRACE, tiers=tiers, grace_started_on=ago(200), grace_until=ago(110))
    evaluation = evaluate_membership(facts(), member)
    assert (evaluation.action, evaluation.state) == (None, State.GRACE)


def test_evidence_lists_every_requirement_with_value_threshold_and_met():
    evaluation = evaluate_membership(facts(deals=(won(60_000),)), membership(tier=SILVER))
    evidence = evaluation.evidence()
    assert evidence["membership"] == 11 and evidence["tier_id"] == SILVER.id
    assert evidence["requirements"]["Silver"] == [
        {"key": "revenue", "label": "Partner-sourced revenue, last 12 months (EUR)", "value": 60_000.0,
         "threshold": 50_000.0, "met": True, "gap": ""},
        {"key": "won_deals", "label": "Won deals, last 12 months", "value": 1, "threshold": 2, "met": False,
         "gap": "1 more won deal"},
    ]  # fmt: skip
