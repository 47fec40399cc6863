"""Tier evaluation: keep every member of a program in the tier its figures earn."""

from __future__ import annotations

from programs.strategies.rules.base import (
    Effect,
    MembershipFact,
    OutcomeDraft,
    OutcomeKind,
    PartnerFacts,
    Rule,
    register,
)
from programs.strategies.rules.params import IntParam, ParamSchema, StrParam

# the module, not its names: programs.tiers.evaluation reads this package's base, so whichever
# of the two is imported first, the other may still be half-initialised at this line
from programs.tiers import evaluation as tiers

EFFECT = "tier_evaluation"


@register
class TierEvaluation(Rule):
    """Compare each member of ``program`` with every tier's requirements, with per-requirement evidence.

    A full review happens every ``every_days`` (a member never reviewed is due at once) and on every
    run while a member is below its tier, so a grace period ends on its day. A review that finds a
    higher tier recommends it (the program may apply upgrades itself); between reviews the
    recommendation stands as it was. Below its tier a member gets a grace period (an alert for the
    manager, a notification for the partner with the deadline), then a downgrade proposal that a
    manager approves or rejects. Dedupe keys carry the tier and the grace start, so a repeated run
    never duplicates an outcome and a new episode makes new ones.
    """

    kind = "tier_evaluation"
    label = "Tier evaluation"
    description = "Recommends tier upgrades and, after a grace period, downgrades, explaining every requirement."
    params = ParamSchema(
        StrParam(
            "program",
            required=True,
            max_length=60,
            pattern=r"[a-z0-9-]+",
            pattern_message="Use the program's slug (lower-case letters, digits, hyphens).",
        ),
        IntParam("every_days", default=91, min=1, max=366),
    )

    def _evaluations(self, facts: PartnerFacts) -> list[tuple[MembershipFact, tiers.MembershipEvaluation, bool]]:
        found = []
        for membership in facts.memberships:
            if membership.program_slug != self.p.program:
                continue
            due = (
                membership.state != tiers.State.OK
                or membership.evaluated_on is None
                or facts.days_since(membership.evaluated_on) >= self.p.every_days
            )
            found.append((membership, tiers.evaluate_membership(facts, membership), due))
        return found

    def evaluate(self, facts: PartnerFacts) -> list[OutcomeDraft]:
        drafts = []
        for membership, evaluation, due in self._evaluations(facts):
            target = _upgrade_target(membership, evaluation, due)
            if target is not None:
                drafts.append(_upgrade_draft(facts, membership, evaluation, target))
            if due and evaluation.state == tiers.State.GRACE:
                drafts.extend(_grace_drafts(facts, membership, evaluation))
            if due and evaluation.state == tiers.State.PROPOSED_DOWNGRADE:
                drafts.append(_downgrade_draft(facts, membership, evaluation))
        return drafts

    def effects(self, facts: PartnerFacts) -> list[Effect]:
        effects = []
        for membership, evaluation, due in self._evaluations(facts):
            if not due:
                continue
            target = _upgrade_target(membership, evaluation, due)
            effects.append(
                Effect(
                    EFFECT,
                    {
                        "membership": membership.id,
                        "tier": membership.tier_id,
                        "state": membership.state,
                        "action": evaluation.action,
                        "target": target.id if target else (evaluation.target.id if evaluation.target else None),
                        "new_state": evaluation.state,
                        "grace_started_on": evaluation.grace_started_on,
                        "grace_until": evaluation.grace_until,
                        "auto_upgrade": membership.auto_upgrade,
                        "dedupe": _upgrade_dedupe(membership, target) if target else None,
                        "evidence": evaluation.evidence(),
                        "gaps": tiers.gaps_in_words(evaluation.requirements(membership.tier)),
                    },
                )
            )
        return effects

    def describe_trigger(self) -> str:
        return f"Every {self.p.every_days} days, for members of the program “{self.p.program}”"

    def describe_action(self) -> str:
        return "recommend tier upgrades, and downgrades after a grace period, with every requirement explained"


def _upgrade_target(membership: MembershipFact, evaluation: tiers.MembershipEvaluation, due: bool):
    """The tier to recommend: this review's finding, or between reviews the last review's recommendation."""
    if due:
        return evaluation.target if evaluation.action == tiers.Action.UPGRADE else None
    return next((t for t in membership.tiers if t.id == membership.recommended_tier_id), None)


def _upgrade_dedupe(membership: MembershipFact, target) -> str:
    return f"tier-upgrade:{membership.id}:{membership.tier_id}:{target.id}:{membership.since.isoformat()}"


def _met_in_words(evaluation: tiers.MembershipEvaluation, tier) -> str:
    checks = evaluation.requirements(tier)
    if not checks:
        return f"{tier.name} sets no requirements."
    listed = "; ".join(f"{c.label}: {_value(c.value)} (needs {_value(c.threshold)})" for c in checks)
    return f"Meets every requirement of {tier.name}: {listed}."


def _value(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{value:,.0f}" if isinstance(value, float) else f"{value:,}"


def _upgrade_draft(facts: PartnerFacts, membership: MembershipFact, evaluation: tiers.MembershipEvaluation, target):
    how = (
        "The program upgrades automatically."
        if membership.auto_upgrade
        else "A manager applies the upgrade from this recommendation."
    )
    return OutcomeDraft(
        kind=OutcomeKind.TIER_CHANGE,
        title=f"Upgrade {facts.name} to {target.name} in {membership.program_name}",
        explanation=f"{_met_in_words(evaluation, target)} Now {membership.tier.name}. {how}",
        dedupe=_upgrade_dedupe(membership, target),
        evidence={
            **evaluation.evidence(),
            "action": tiers.Action.UPGRADE,
            "target_tier": target.name,
            "target": target.id,
        },
    )


def _grace_drafts(facts: PartnerFacts, membership: MembershipFact, evaluation: tiers.MembershipEvaluation):
    tier = membership.tier
    gaps = tiers.gaps_in_words(evaluation.requirements(tier))
    until = evaluation.grace_until.isoformat()
    key = f"{membership.id}:{tier.id}:{evaluation.grace_started_on.isoformat()}"
    evidence = {**evaluation.evidence(), "action": "grace"}
    return [
        OutcomeDraft(
            kind=OutcomeKind.ALERT,
            title=f"{facts.name} is below {tier.name} in {membership.program_name}",
            explanation=(
                f"Needs {gaps} to keep {tier.name}. Grace period since "
                f"{evaluation.grace_started_on.isoformat()}; a downgrade is proposed if still below on {until}."
            ),
            dedupe=f"tier-grace:{key}",
            evidence=evidence,
            due_on=evaluation.grace_until,
        ),
        OutcomeDraft(
            kind=OutcomeKind.NOTIFICATION,
            title=f"Keep your {tier.name} tier: {gaps} needed by {until}",
            explanation=(
                f"Your organisation no longer meets every requirement of {tier.name} in "
                f"{membership.program_name}: it needs {gaps}. Meet them by {until} to keep the tier."
            ),
            dedupe=f"tier-grace-partner:{key}",
            evidence=evidence,
            due_on=evaluation.grace_until,
            audience="partner",
        ),
    ]


def _downgrade_draft(facts: PartnerFacts, membership: MembershipFact, evaluation: tiers.MembershipEvaluation):
    tier, target = membership.tier, evaluation.target
    gaps = tiers.gaps_in_words(evaluation.requirements(tier))
    return OutcomeDraft(
        kind=OutcomeKind.TIER_CHANGE,
        title=f"Downgrade {facts.name} from {tier.name} to {target.name} in {membership.program_name}",
        explanation=(
            f"Still needs {gaps} for {tier.name} after the grace period that ended on "
            f"{evaluation.grace_until.isoformat()}. It meets {target.name}. "
            "A manager approves or rejects the downgrade."
        ),
        dedupe=f"tier-downgrade:{membership.id}:{tier.id}:{evaluation.grace_started_on.isoformat()}",
        evidence={**evaluation.evidence(), "action": "downgrade", "target": target.id},
    )
