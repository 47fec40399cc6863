"""Tier evaluation as pure functions: a member's facts against every tier of its program.

Nothing here touches the database, so the strategy rule, the partner's progress page and the
API explain a tier with the same figures. Each requirement check carries its value, threshold
and whether it is met; the evaluation then says which tier the member qualifies for and what
should happen to its membership (upgrade, start or keep a grace period, propose a downgrade).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from programs.strategies.rules.base import MembershipFact, PartnerFacts, TierFact

TRAILING_DAYS = 365
WON = "won"
ACTIVE = "active"


class State:
    OK = "ok"
    GRACE = "grace"
    PROPOSED_DOWNGRADE = "proposed_downgrade"


class Action:
    """What an evaluation asks of the membership; ``None`` when nothing changes."""

    UPGRADE = "upgrade"  # qualifies for a higher tier
    START_GRACE = "start_grace"  # first evaluation below its tier
    PROPOSE_DOWNGRADE = "propose_downgrade"  # still below when the grace period ended
    RECOVER = "recover"  # back at or above its tier while in grace: the grace period ends


@dataclass(frozen=True)
class RequirementCheck:
    key: str
    label: str
    value: float | int | bool
    threshold: float | int | bool
    met: bool
    gap: str = ""  # what is missing, in words; empty when met

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "value": self.value,
            "threshold": self.threshold,
            "met": self.met,
            "gap": self.gap,
        }

    @property
    def progress(self) -> int:
        """0 to 100, for a progress bar."""
        if self.met:
            return 100
        if isinstance(self.threshold, bool) or not self.threshold:
            return 0
        return max(0, min(99, int(100 * float(self.value) / float(self.threshold))))


def _money(amount: float, currency: str) -> str:
    return f"{currency} {amount:,.0f}"


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


@dataclass(frozen=True)
class Standing:
    """The figures a member is measured by on ``today``, computed once for all tiers."""

    revenue: float
    won_deals: int
    certified: Mapping[str, int]
    agreement_in_force: bool
    health_score: int | None

    @classmethod
    def of(cls, facts: PartnerFacts, currency: str) -> Standing:
        since = facts.today - timedelta(days=TRAILING_DAYS)
        won = [
            d for d in facts.deals if d.state == WON and d.closed_on is not None and since < d.closed_on <= facts.today
        ]
        verticals = {c.vertical for c in facts.certifications}
        return cls(
            revenue=round(sum(d.closed_amount or 0.0 for d in won if d.currency == currency), 2),
            won_deals=len(won),
            certified={vertical: facts.certified_contacts(vertical) for vertical in verticals},
            agreement_in_force=any(
                a.status == ACTIVE and a.start_on <= facts.today and (a.end_on is None or a.end_on >= facts.today)
                for a in facts.agreements
            ),
            health_score=facts.health_score,
        )


def tier_checks(tier: TierFact, standing: Standing, currency: str) -> tuple[RequirementCheck, ...]:
    """One check per requirement the tier sets, in a fixed order."""
    checks = []
    if tier.min_revenue is not None:
        short = tier.min_revenue - standing.revenue
        checks.append(
            RequirementCheck(
                key="revenue",
                label=f"Partner-sourced revenue, last 12 months ({currency})",
                value=standing.revenue,
                threshold=tier.min_revenue,
                met=short <= 0,
                gap=f"{_money(short, currency)} more won revenue" if short > 0 else "",
            )
        )
    if tier.min_won_deals is not None:
        short = tier.min_won_deals - standing.won_deals
        checks.append(
            RequirementCheck(
                key="won_deals",
                label="Won deals, last 12 months",
                value=standing.won_deals,
                threshold=tier.min_won_deals,
                met=short <= 0,
                gap=f"{_plural(short, 'more won deal')}" if short > 0 else "",
            )
        )
    for vertical, required in sorted(tier.min_certified.items()):
        held = standing.certified.get(vertical, 0)
        short = required - held
        checks.append(
            RequirementCheck(
                key=f"certified:{vertical}",
                label=f"Certified people in {vertical}",
                value=held,
                threshold=required,
                met=short <= 0,
                gap=f"{_plural(short, f'more {vertical}-certified person', f'more {vertical}-certified people')}"
                if short > 0
                else "",
            )
        )
    if tier.requires_agreement:
        checks.append(
            RequirementCheck(
                key="agreement",
                label="Signed agreement in force",
                value=standing.agreement_in_force,
                threshold=True,
                met=standing.agreement_in_force,
                gap="" if standing.agreement_in_force else "a signed agreement in force",
            )
        )
    if tier.min_health_score is not None:
        score = standing.health_score
        met = score is not None and score >= tier.min_health_score
        checks.append(
            RequirementCheck(
                key="health_score",
                label="Health score",
                value=score if score is not None else 0,
                threshold=tier.min_health_score,
                met=met,
                gap=""
                if met
                else f"a health score of {tier.min_health_score} (now {'none' if score is None else score})",
            )
        )
    return tuple(checks)


def gaps_in_words(checks: tuple[RequirementCheck, ...]) -> str:
    """ "2 more healthcare-certified people and EUR 40,000 more won revenue", or "" when all are met."""
    gaps = [check.gap for check in checks if not check.met]
    if len(gaps) <= 1:
        return "".join(gaps)
    return f"{', '.join(gaps[:-1])} and {gaps[-1]}"


@dataclass(frozen=True)
class MembershipEvaluation:
    """Where a member stands in its program on ``today`` and what should happen to its membership."""

    membership: MembershipFact
    today: date
    checks: Mapping[int, tuple[RequirementCheck, ...]]  # per tier id
    qualified: TierFact | None  # the highest tier whose requirements are all met
    action: str | None = None
    target: TierFact | None = None  # the tier of an upgrade or a proposed downgrade
    state: str = State.OK  # the state after the action
    grace_started_on: date | None = None
    grace_until: date | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def tier(self) -> TierFact:
        return self.membership.tier

    @property
    def meets_tier(self) -> bool:
        return self.qualified is not None and self.qualified.rank >= self.tier.rank

    @property
    def next_tier(self) -> TierFact | None:
        return next((t for t in self.membership.tiers if t.rank > self.tier.rank), None)

    def requirements(self, tier: TierFact) -> tuple[RequirementCheck, ...]:
        return self.checks[tier.id]

    def evidence(self) -> dict[str, Any]:
        """Per-requirement evidence of the current tier and, when there is one, the target's."""
        evidence: dict[str, Any] = {
            "membership": self.membership.id,
            "program": self.membership.program_slug,
            "tier": self.tier.name,
            "tier_id": self.tier.id,
            "state": self.state,
            "qualified_tier": self.qualified.name if self.qualified else None,
            "requirements": {
                self.tier.name: [check.to_json() for check in self.requirements(self.tier)],
            },
        }
        if self.target is not None:
            evidence["target_tier"] = self.target.name
            evidence["requirements"][self.target.name] = [check.to_json() for check in self.requirements(self.target)]
        if self.grace_until:
            evidence["grace_until"] = self.grace_until.isoformat()
        return evidence


def evaluate_membership(facts: PartnerFacts, membership: MembershipFact) -> MembershipEvaluation:
    """Measure the member against every tier and decide the next step of its state.

    A member that qualifies for a higher tier is recommended for (or, with the program's
    auto upgrade, moved to) the highest one it meets. A member below its own tier starts a grace
    period of the program's ``grace_days`` on the first evaluation below; still below on or after
    the last day of grace, a downgrade to the highest tier it meets (the lowest tier when it meets
    none) is proposed for a manager to decide. Back at its tier during grace, the grace ends.
    """
    standing = Standing.of(facts, membership.currency)
    checks = {tier.id: tier_checks(tier, standing, membership.currency) for tier in membership.tiers}
    qualified = None
    for tier in membership.tiers:  # lowest rank first
        if all(check.met for check in checks[tier.id]):
            qualified = tier
    base = {"membership": membership, "today": facts.today, "checks": checks, "qualified": qualified}
    tier = membership.tier
    if qualified is not None and qualified.rank >= tier.rank:
        if qualified.rank > tier.rank:
            return MembershipEvaluation(**base, action=Action.UPGRADE, target=qualified)
        if membership.state != State.OK:
            return MembershipEvaluation(**base, action=Action.RECOVER)
        return MembershipEvaluation(**base)
    # below its tier
    if membership.state == State.OK:
        until = facts.today + timedelta(days=membership.grace_days)
        return MembershipEvaluation(
            **base, action=Action.START_GRACE, state=State.GRACE, grace_started_on=facts.today, grace_until=until
        )
    started = membership.grace_started_on or facts.today
    until = membership.grace_until or started + timedelta(days=membership.grace_days)
    if membership.state == State.GRACE and facts.today < until:
        return MembershipEvaluation(**base, state=State.GRACE, grace_started_on=started, grace_until=until)
    target = qualified or membership.tiers[0]
    if target.id == tier.id:  # already the lowest tier: nothing lower to move to
        return MembershipEvaluation(**base, state=State.GRACE, grace_started_on=started, grace_until=until)
    action = Action.PROPOSE_DOWNGRADE if membership.state == State.GRACE else None
    return MembershipEvaluation(
        **base,
        action=action,
        target=target,
        state=State.PROPOSED_DOWNGRADE,
        grace_started_on=started,
        grace_until=until,
    )
