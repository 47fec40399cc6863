"""Reads for tier pages and the API: memberships in view, and the live explanation of a tier."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.utils import timezone

from partners.models import Partner
from programs.strategies.facts import partner_facts
from programs.tiers.evaluation import MembershipEvaluation, RequirementCheck, evaluate_membership
from programs.tiers.models import DowngradeProposal, Membership, Program, Tier, TierChange


def membership_list(*, user) -> QuerySet[Membership]:
    """The memberships of the partners the user may see, with what a list shows joined."""
    return Membership.objects.filter(partner__in=Partner.objects.visible_to(user)).select_related(
        "partner", "program", "tier", "recommended_tier"
    )


def proposal_list(*, user) -> QuerySet[DowngradeProposal]:
    return DowngradeProposal.objects.filter(partner__in=Partner.objects.visible_to(user)).select_related(
        "membership__partner", "membership__program", "from_tier", "to_tier", "decided_by"
    )


def partner_evaluations(*, partner_id: int, today=None) -> list[MembershipEvaluation]:
    """Where the partner stands in each of its programs today, evaluated live from its facts
    (the same functions the tier_evaluation rule uses); a fixed number of queries."""
    today = today or timezone.localdate()
    facts = partner_facts(partner_ids=[partner_id], today=today).get(partner_id)
    if facts is None:
        return []
    return [evaluate_membership(facts, membership) for membership in facts.memberships]


def membership_evaluation(*, membership: Membership, today=None) -> MembershipEvaluation | None:
    return next(
        (
            e
            for e in partner_evaluations(partner_id=membership.partner_id, today=today)
            if e.membership.id == membership.pk
        ),
        None,
    )


@dataclass(frozen=True)
class TierProgress:
    """What a partner sees of one membership: its tier, the next tier's requirements and any deadline."""

    evaluation: MembershipEvaluation
    requirements: tuple[RequirementCheck, ...]  # of the next tier, or of the current one at the top or in grace

    @property
    def shown_tier(self):
        return _towards(self.evaluation)


def _towards(evaluation: MembershipEvaluation):
    """The tier a member works towards: the next one, or its own while below it or at the top."""
    if not evaluation.meets_tier or evaluation.next_tier is None:
        return evaluation.tier
    return evaluation.next_tier


def tier_progress(evaluation: MembershipEvaluation) -> TierProgress:
    return TierProgress(evaluation=evaluation, requirements=evaluation.requirements(_towards(evaluation)))


def evaluation_json(evaluation: MembershipEvaluation) -> dict:
    """The API's membership evaluation (api.md): requirements of the tier the member works towards
    (the next tier; its own while below it or at the top), plus every tier's checks."""
    progress = tier_progress(evaluation)
    membership = evaluation.membership
    next_tier = evaluation.next_tier
    return {
        "membership": membership.id,
        "program": membership.program_id,
        "program_name": membership.program_name,
        "tier": membership.tier_id,
        "tier_name": evaluation.tier.name,
        "state": membership.state,
        "meets_tier": evaluation.meets_tier,
        "grace_until": membership.grace_until.isoformat() if membership.grace_until else None,
        "next_tier": next_tier.id if next_tier else None,
        "next_tier_name": next_tier.name if next_tier else None,
        "qualified_tier": evaluation.qualified.id if evaluation.qualified else None,
        "requirements_for": progress.shown_tier.id,
        "requirements": [check.to_json() for check in progress.requirements],
        "tiers": [
            {
                "id": tier.id,
                "name": tier.name,
                "rank": tier.rank,
                "requirements": [check.to_json() for check in evaluation.requirements(tier)],
            }
            for tier in membership.tiers
        ],
    }


def program_list(*, user) -> QuerySet[Program]:
    """The programs the user may read: staff every program; a partner's login the active
    programs for its organisation's type; anyone else none."""
    if not (user.is_authenticated and user.is_active):
        return Program.objects.none()
    if user.is_staff:
        return Program.objects.all()
    partner = Partner.objects.visible_to(user).only("type").first()
    if partner is None:
        return Program.objects.none()
    return Program.objects.filter(is_active=True, partner_types__contains=[partner.type])


def programs_with_tiers(*, user) -> list[Program]:
    """Programs with their tiers (rank order) and, on each tier, ``member_count``: three queries
    whatever the number of programs (programs, tiers, one grouped count)."""
    programs = list(program_list(user=user).order_by("name"))
    attach_tiers(programs)
    return programs


def attach_tiers(programs: list[Program]) -> None:
    tiers = list(Tier.objects.filter(program__in=[p.pk for p in programs]).order_by("program_id", "rank"))
    counts = dict(
        Membership.objects.filter(tier__in=[t.pk for t in tiers])
        .values_list("tier_id")
        .annotate(n=Count("pk"))
        .order_by()
    ) if tiers else {}  # fmt: skip
    by_program: dict[int, list[Tier]] = {}
    for tier in tiers:
        tier.member_count = counts.get(tier.pk, 0)
        by_program.setdefault(tier.program_id, []).append(tier)
    for program in programs:
        program.ladder = by_program.get(program.pk, [])
        program.member_count = sum(t.member_count for t in program.ladder)


def program_get(*, user, program_id: int) -> Program:
    """One program the user may read with its ladder and counts, or Program.DoesNotExist."""
    program = program_list(user=user).get(pk=program_id)
    attach_tiers([program])
    return program


def tier_list(*, user, program_id: int) -> QuerySet[Tier]:
    """The tiers of a program the user may read, lowest rank first (none for another's)."""
    return Tier.objects.filter(program__in=program_list(user=user).filter(pk=program_id)).order_by("rank")


def membership_history(*, membership: Membership) -> QuerySet[TierChange]:
    return membership.changes.select_related("from_tier", "to_tier", "approved_by").order_by("-created_at", "-id")


def pending_proposals(*, user) -> QuerySet[DowngradeProposal]:
    """Downgrades waiting for a decision, oldest first (the partial index ``downgrade_pending``)."""
    return proposal_list(user=user).filter(state=DowngradeProposal.State.PENDING).order_by("created_at", "id")
