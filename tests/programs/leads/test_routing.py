"""Routing as pure functions, without a database: required and optional rules, hierarchical
regions, capacity, no second offer to the same partner, and the weighted round robin's shares."""

from collections import Counter

import pytest

from programs.leads.routing import LeadFacts, PartnerFacts, RuleSpec, route, smooth_weighted_pick

GERMANY = LeadFacts(country="DE", region_path=("DACH", "EMEA", "GLOBAL"), vertical="healthcare")
REGION = RuleSpec("In the lead's region", "region", required=True, id=1)
VERTICAL = RuleSpec("Prefer the lead's vertical", "vertical", required=False, id=2)
SALES_CHANNEL = RuleSpec("Sales and channel", "partner_type", required=True, values=("sales", "channel"), id=3)


def _partner(pk, **facts):
    values = {"type": "channel", "engagement": "collaborative", "country": "DE", "regions": frozenset({"DACH"})}
    values.update(facts)
    values["regions"] = frozenset(values["regions"])
    values["verticals"] = frozenset(values.get("verticals", ()))
    return PartnerFacts(id=pk, **values)


def _run(leads: int, partners: list[PartnerFacts], rules=(), lead=GERMANY) -> Counter:
    """Route ``leads`` leads, keeping credits between them as the service does (capacity aside)."""
    credits = {partner.id: 0 for partner in partners}
    chosen = Counter()
    for _ in range(leads):
        current = [PartnerFacts(**{**partner.__dict__, "credit": credits[partner.id]}) for partner in partners]
        decision = route(lead, current, rules)
        chosen[decision.chosen] += 1
        for pk, (_, credit) in decision.pool.items():
            credits[pk] = credit
    return chosen


def test_a_partner_covering_a_region_above_the_leads_matches_and_one_elsewhere_does_not():
    # given: DACH, EMEA (above DACH), GLOBAL (above all) and NA
    partners = [_partner(1, regions={"DACH"}), _partner(2, regions={"EMEA"}), _partner(3, regions={"NA"})]
    partners.append(_partner(4, regions={"GLOBAL"}))
    # when
    decision = route(GERMANY, partners, [REGION])
    # then
    region_step = decision.steps[3]
    assert (region_step.name, region_step.outcome, region_step.before, region_step.after) == (
        "In the lead's region",
        "applied",
        4,
        3,
    )
    assert region_step.candidates == (1, 2, 4)
    assert decision.chosen in (1, 2, 4)


def test_a_required_rule_that_leaves_nobody_sends_the_lead_to_the_manual_queue():
    # given: nobody in the lead's region
    partners = [_partner(1, regions={"NA"}), _partner(2, regions={"APAC"})]
    # when
    decision = route(GERMANY, partners, [REGION, VERTICAL])
    # then
    assert decision.chosen is None
    assert decision.reason == "No candidate left by the required rule “In the lead's region”."
    assert [(step.name, step.outcome, step.after) for step in decision.steps][-1] == (
        "In the lead's region",
        "emptied",
        0,
    )
    assert decision.pool == {}


def test_an_optional_rule_narrows_when_it_can_and_is_skipped_when_it_would_leave_nobody():
    # given
    partners = [_partner(1, verticals={"retail"}), _partner(2, verticals={"healthcare"})]
    # when / then: one serves healthcare, so it is preferred
    decision = route(GERMANY, partners, [REGION, VERTICAL])
    assert decision.chosen == 2
    assert decision.steps[-1].outcome == "applied" and decision.steps[-1].candidates == (2,)
    # when / then: nobody serves manufacturing, so the rule is skipped and both stay
    decision = route(LeadFacts("DE", ("DACH", "EMEA", "GLOBAL"), "manufacturing"), partners, [REGION, VERTICAL])
    assert decision.chosen in (1, 2)
    assert (decision.steps[-1].outcome, decision.steps[-1].after) == ("skipped", 2)


def test_a_lead_without_a_region_meets_a_required_region_rule_with_nobody():
    decision = route(LeadFacts("XK"), [_partner(1, regions={"GLOBAL"})], [REGION])
    assert decision.chosen is None


def test_type_and_engagement_rules_keep_only_the_listed_values():
    partners = [_partner(1, type="technology"), _partner(2, type="sales", engagement="strategic")]
    partners.append(_partner(3, type="channel", engagement="arms_length"))
    engagement = RuleSpec("Strategic only", "engagement", values=("strategic",))
    assert route(GERMANY, partners, [SALES_CHANNEL]).steps[-1].candidates == (2, 3)
    assert route(GERMANY, partners, [SALES_CHANNEL, engagement]).chosen == 2


def test_partners_at_capacity_are_skipped_and_nobody_left_means_the_manual_queue():
    partners = [_partner(1, open_leads=20, capacity=20), _partner(2, open_leads=3, capacity=20)]
    assert route(GERMANY, partners, [REGION]).chosen == 2
    full = [_partner(1, open_leads=20, capacity=20), _partner(2, open_leads=5, capacity=5)]
    decision = route(GERMANY, full, [REGION])
    assert decision.chosen is None
    assert decision.reason == "No active partner can take another lead."
    assert [(step.name, step.after) for step in decision.steps] == [
        ("active partners", 2),
        ("not offered this lead before", 2),
        ("under open-lead capacity", 0),
    ]


def test_a_partner_offered_the_lead_before_is_never_chosen_again():
    partners = [_partner(1), _partner(2), _partner(3)]
    assert route(GERMANY, partners, [REGION], offered_before=[1, 2]).chosen == 3
    assert route(GERMANY, partners, [REGION], offered_before=[1, 2, 3]).chosen is None


def test_an_optional_rule_falls_back_to_partners_who_can_take_the_lead():
    # given: the only healthcare partner is full
    partners = [_partner(1, verticals={"healthcare"}, open_leads=20), _partner(2, verticals={"retail"})]
    # when
    decision = route(GERMANY, partners, [REGION, VERTICAL])
    # then: the preference is skipped rather than the lead queued
    assert decision.chosen == 2
    assert decision.steps[-1].outcome == "skipped"


@pytest.mark.parametrize("weights", [(1, 2, 3), (1, 1, 1, 1), (5, 1), (1, 2, 3, 4, 10)])
def test_over_1000_leads_each_partner_gets_its_weights_share_within_five_percent(weights):
    # given
    partners = [_partner(pk, weight=weight) for pk, weight in enumerate(weights, start=1)]
    total = sum(weights)
    # when
    chosen = _run(1000, partners, [REGION])
    # then: within ±5 % of the configured share (smooth WRR is exact to one lead per cycle)
    for partner in partners:
        expected = 1000 * partner.weight / total
        assert abs(chosen[partner.id] - expected) <= 0.05 * expected + 1, (partner.id, chosen, expected)
    assert sum(chosen.values()) == 1000


def test_the_round_robin_spreads_picks_instead_of_bunching_them():
    # given weights 1 and 3 (and ties going to the lowest id): the sequence repeats every 4 leads
    partners = [_partner(1, weight=1), _partner(2, weight=3)]
    credits, picks = {1: 0, 2: 0}, []
    for _ in range(8):
        chosen, credits = smooth_weighted_pick([(p.id, p.weight, credits[p.id]) for p in partners])
        picks.append(chosen)
    assert picks == [2, 1, 2, 2, 2, 1, 2, 2]


def test_the_pick_is_deterministic_and_pays_the_pools_total():
    chosen, credits = smooth_weighted_pick([(7, 2, 0), (3, 2, 0)])
    assert chosen == 3  # a tie goes to the lowest id
    assert credits == {7: 2, 3: -2}
    assert sum(credits.values()) == 0


def test_the_decision_records_the_pool_with_weights_and_credits():
    decision = route(GERMANY, [_partner(1, weight=1), _partner(2, weight=3)], [REGION])
    assert decision.chosen == 2
    assert decision.pool_json() == [
        {"partner": 1, "weight": 1, "credit": 1},
        {"partner": 2, "weight": 3, "credit": -1},
    ]
    assert decision.reason == "Weighted round robin among 2 candidate(s); the chosen one's share is 75%."
