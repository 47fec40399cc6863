"""Lead routing as pure functions: plain facts in, a decision out, no database.

The order of a decision: partners that may take leads at all (active, not offered this lead
before, under their open-lead capacity), then each rule in its position order (a required rule
that leaves nobody ends in the manual queue; an optional one is skipped when it would leave nobody),
then a smooth weighted round robin among whoever is left. Eligibility comes before the rules so an
optional rule falls back to partners who can actually take the lead.

The round robin is nginx's smooth weighted round robin with the credits kept between leads: every
candidate gains its weight, the one with the most credit (lowest id on a tie) is chosen and pays
the pool's total weight. Over any run of leads with the same pool each partner's share is its
weight's share, to within one lead, and picks are spread out rather than bunched.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

STEP_IDS_SHOWN = 50  # candidate ids kept per step; the count is always exact

REGION, VERTICAL, COUNTRY, PARTNER_TYPE, ENGAGEMENT = "region", "vertical", "country", "partner_type", "engagement"


@dataclass(frozen=True)
class LeadFacts:
    country: str
    region_path: tuple[str, ...] = ()  # the lead's region and every region above it, nearest first
    vertical: str | None = None


@dataclass(frozen=True)
class PartnerFacts:
    id: int
    type: str
    engagement: str
    country: str = ""
    regions: frozenset[str] = frozenset()
    verticals: frozenset[str] = frozenset()
    open_leads: int = 0
    capacity: int = 20
    weight: int = 1
    credit: int = 0


@dataclass(frozen=True)
class RuleSpec:
    name: str
    field: str
    required: bool = True
    values: tuple[str, ...] = ()
    id: int | None = None


@dataclass(frozen=True)
class Step:
    """What one step did: ``outcome`` is applied, skipped (optional, would leave nobody),
    emptied (required, left nobody) or excluded (an eligibility check)."""

    name: str
    outcome: str
    before: int
    after: int
    candidates: tuple[int, ...]
    rule: int | None = None
    required: bool | None = None

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "rule": self.rule,
            "required": self.required,
            "outcome": self.outcome,
            "before": self.before,
            "after": self.after,
            "candidates": list(self.candidates[:STEP_IDS_SHOWN]),
        }


@dataclass(frozen=True)
class Decision:
    chosen: int | None
    reason: str
    steps: tuple[Step, ...]
    # the final pool: partner id → (weight, credit after this decision)
    pool: dict[int, tuple[int, int]] = field(default_factory=dict)

    def pool_json(self) -> list[dict]:
        return [
            {"partner": pk, "weight": weight, "credit": credit} for pk, (weight, credit) in sorted(self.pool.items())
        ]


def matches(rule: RuleSpec, lead: LeadFacts, partner: PartnerFacts) -> bool:
    """Whether ``partner`` passes ``rule`` for ``lead``. Regions are hierarchical: a partner
    covering EMEA or DACH matches a lead in DACH (a lead from Germany)."""
    if rule.field == REGION:
        return not partner.regions.isdisjoint(lead.region_path)
    if rule.field == VERTICAL:
        return lead.vertical is not None and lead.vertical in partner.verticals
    if rule.field == COUNTRY:
        return bool(lead.country) and partner.country == lead.country
    if rule.field == PARTNER_TYPE:
        return partner.type in rule.values
    if rule.field == ENGAGEMENT:
        return partner.engagement in rule.values
    raise ValueError(f"unknown rule field {rule.field!r}")


def _ids(partners: Iterable[PartnerFacts]) -> tuple[int, ...]:
    return tuple(sorted(partner.id for partner in partners))


def route(
    lead: LeadFacts,
    partners: Sequence[PartnerFacts],
    rules: Sequence[RuleSpec],
    *,
    offered_before: Iterable[int] = (),
) -> Decision:
    """Choose the partner to offer ``lead`` to among the active ``partners``, or None (the manual
    queue), with every step recorded. ``offered_before`` are partners this lead was offered to
    already (declined, lapsed or withdrawn): they are never offered it again."""
    steps: list[Step] = []
    pool = list(partners)
    steps.append(Step("active partners", "applied", len(pool), len(pool), _ids(pool)))

    excluded = frozenset(offered_before)
    kept = [partner for partner in pool if partner.id not in excluded]
    steps.append(Step("not offered this lead before", "excluded", len(pool), len(kept), _ids(kept)))
    pool = kept
    kept = [partner for partner in pool if partner.open_leads < partner.capacity]
    steps.append(Step("under open-lead capacity", "excluded", len(pool), len(kept), _ids(kept)))
    pool = kept
    if not pool:
        return Decision(None, "No active partner can take another lead.", tuple(steps))

    for rule in rules:
        kept = [partner for partner in pool if matches(rule, lead, partner)]
        if kept:
            steps.append(Step(rule.name, "applied", len(pool), len(kept), _ids(kept), rule.id, rule.required))
            pool = kept
        elif rule.required:
            steps.append(Step(rule.name, "emptied", len(pool), 0, (), rule.id, rule.required))
            return Decision(None, f"No candidate left by the required rule “{rule.name}”.", tuple(steps))
        else:
            steps.append(Step(rule.name, "skipped", len(pool), len(pool), _ids(pool), rule.id, rule.required))

    chosen, credits = smooth_weighted_pick([(partner.id, partner.weight, partner.credit) for partner in pool])
    weights = {partner.id: partner.weight for partner in pool}
    share = weights[chosen] / sum(weights.values())
    reason = f"Weighted round robin among {len(pool)} candidate(s); the chosen one's share is {share:.0%}."
    return Decision(chosen, reason, tuple(steps), {pk: (weights[pk], credits[pk]) for pk in weights})


def smooth_weighted_pick(pool: Sequence[tuple[int, int, int]]) -> tuple[int, dict[int, int]]:
    """One round of smooth weighted round robin over ``(id, weight, credit)``: the chosen id and
    every candidate's credit after the round. Deterministic (ties go to the lowest id)."""
    if not pool:
        raise ValueError("nobody to choose from")
    total = sum(max(weight, 1) for _, weight, _ in pool)
    credits = {pk: credit + max(weight, 1) for pk, weight, credit in pool}
    chosen = min(credits, key=lambda pk: (-credits[pk], pk))
    credits[chosen] -= total
    return chosen, credits
