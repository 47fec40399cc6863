"""The tier_evaluation rule kind: exact outcomes, dedupe keys and effects, without a database."""

from datetime import timedelta

import pytest

from programs.strategies.rules import InvalidRuleError, build_rules
from programs.strategies.rules.tier_evaluation import TierEvaluation
from programs.tiers.evaluation import Action, State
from tests.programs.rule_facts import TODAY, ago, facts
from tests.programs.tiers.test_evaluation import GOLD, REGISTERED, SILVER, membership, won

SILVER_FIGURES = {"deals": (won(30_000, id=1), won(30_000, id=2))}


def rule(**params):
    return TierEvaluation({"program": "channel", **params})


def test_params_are_validated():
    with pytest.raises(InvalidRuleError):
        TierEvaluation({"program": "Not a slug!"})
    with pytest.raises(InvalidRuleError):
        TierEvaluation({"program": "channel", "every_days": 0})
    assert build_rules([{"kind": "tier_evaluation", "params": {"program": "channel"}}])[0][0].p.every_days == 91


def test_an_upgrade_is_recommended_with_the_requirements_met():
    # given a Registered member that meets Silver
    partner = facts(memberships=(membership(tier=REGISTERED),), **SILVER_FIGURES)
    # when
    drafts = rule().evaluate(partner)
    # then
    [draft] = drafts
    assert draft.kind == "tier_change"
    assert draft.title == "Upgrade Acme Health to Silver in Channel Partner Program"
    assert draft.explanation == (
        "Meets every requirement of Silver: Partner-sourced revenue, last 12 months (EUR): 60,000 (needs 50,000); "
        "Won deals, last 12 months: 2 (needs 2). Now Registered. "
        "A manager applies the upgrade from this recommendation."
    )
    assert draft.dedupe == f"tier-upgrade:11:1:2:{ago(400).isoformat()}"
    assert (draft.evidence["action"], draft.evidence["target"], draft.evidence["tier_id"]) == ("upgrade", 2, 1)
    [effect] = rule().effects(partner)
    assert (effect.kind, effect.data["action"], effect.data["target"], effect.data["auto_upgrade"]) == (
        "tier_evaluation", Action.UPGRADE, SILVER.id, False,
    )  # fmt: skip


def test_an_auto_upgrading_program_says_so():
    partner = facts(memberships=(membership(tier=REGISTERED, auto_upgrade=True),), **SILVER_FIGURES)
    [draft] = rule().evaluate(partner)
    assert draft.explanation.endswith("The program upgrades automatically.")
    assert rule().effects(partner)[0].data["auto_upgrade"] is True


def test_a_member_below_its_tier_gets_a_grace_alert_and_the_partner_a_deadline():
    partner = facts(memberships=(membership(tier=SILVER),))
    alert, notice = rule().evaluate(partner)
    until = (TODAY + timedelta(days=90)).isoformat()
    assert (alert.kind, alert.audience, alert.due_on) == ("alert", "manager", TODAY + timedelta(days=90))
    assert alert.title == "Acme Health is below Silver in Channel Partner Program"
    assert alert.explanation == (
        f"Needs EUR 50,000 more won revenue and 2 more won deals to keep Silver. Grace period since "
        f"{TODAY.isoformat()}; a downgrade is proposed if still below on {until}."
    )
    assert (notice.kind, notice.audience) == ("notification", "partner")
    assert notice.title == f"Keep your Silver tier: EUR 50,000 more won revenue and 2 more won deals needed by {until}"
    assert alert.dedupe == f"tier-grace:11:2:{TODAY.isoformat()}"
    assert notice.dedupe == f"tier-grace-partner:11:2:{TODAY.isoformat()}"
    [effect] = rule().effects(partner)
    assert (effect.data["action"], effect.data["new_state"], effect.data["grace_until"]) == (
        Action.START_GRACE, State.GRACE, TODAY + timedelta(days=90),
    )  # fmt: skip


def test_the_grace_outcomes_keep_their_dedupe_on_later_runs():
    # given the same member, recorded in grace since today, evaluated 10 days later
    started = TODAY
    member = membership(tier=SILVER, state=State.GRACE, grace_started_on=started, grace_until=started + timedelta(90))
    later = facts(memberships=(member,), today=TODAY + timedelta(days=10))
    first = {d.dedupe for d in rule().evaluate(facts(memberships=(membership(tier=SILVER),)))}
    assert {d.dedupe for d in rule().evaluate(later)} == first
    assert rule().effects(later)[0].data["action"] is None  # nothing to change yet


def test_after_the_grace_period_a_downgrade_is_proposed_to_the_highest_tier_met():
    member = membership(tier=GOLD, state=State.GRACE, grace_started_on=ago(90), grace_until=TODAY)
    partner = facts(memberships=(member,), **SILVER_FIGURES)
    [draft] = rule().evaluate(partner)
    assert draft.kind == "tier_change"
    assert draft.title == "Downgrade Acme Health from Gold to Silver in Channel Partner Program"
    assert draft.dedupe == f"tier-downgrade:11:3:{ago(90).isoformat()}"
    assert (draft.evidence["action"], draft.evidence["target"]) == ("downgrade", SILVER.id)
    [effect] = rule().effects(partner)
    assert (effect.data["action"], effect.data["target"]) == (Action.PROPOSE_DOWNGRADE, SILVER.id)


def test_reviews_happen_every_so_many_days_for_members_at_their_tier():
    # given a member at its tier reviewed 30 days ago, that now qualifies for Gold
    member = membership(tier=REGISTERED, evaluated_on=ago(30))
    partner = facts(memberships=(member,), **SILVER_FIGURES)
    # then a 91-day cadence waits, a 30-day one reviews
    assert rule().evaluate(partner) == [] and rule().effects(partner) == []
    assert [d.kind for d in rule(every_days=30).evaluate(partner)] == ["tier_change"]


def test_between_reviews_the_last_recommendation_stands():
    member = membership(tier=REGISTERED, evaluated_on=ago(30), recommended_tier_id=SILVER.id)
    [draft] = rule().evaluate(facts(memberships=(member,), **SILVER_FIGURES))
    assert draft.dedupe == f"tier-upgrade:11:1:2:{ago(400).isoformat()}"


def test_a_member_in_grace_is_evaluated_on_every_run_whatever_the_cadence():
    member = membership(
        tier=SILVER, state=State.GRACE, evaluated_on=ago(1), grace_started_on=ago(1), grace_until=ago(-89)
    )
    assert [d.kind for d in rule().evaluate(facts(memberships=(member,)))] == ["alert", "notification"]


def test_only_the_named_program_is_evaluated():
    other = membership(tier=SILVER, program_slug="alliance", id=12)
    assert rule().evaluate(facts(memberships=(other,))) == []
    assert rule().effects(facts(memberships=(other,))) == []


def test_describes_itself():
    assert rule().describe() == (
        "Every 91 days, for members of the program “channel”: recommend tier upgrades, and downgrades after a "
        "grace period, with every requirement explained"
    )
