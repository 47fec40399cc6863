"""Writes on memberships: joining a program, moving between tiers, the grace period and
downgrade proposals, and applying what the tier_evaluation rule concluded.

Every move locks the membership row and checks the tier it expects, so an evaluation running
while a manager decides never moves a member twice; every move is kept as a ``TierChange`` with
its reason, evidence and approver, on the partner's timeline and as a ``tier.changed`` event.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from psycopg2.extras import execute_values

from partners.models import Activity, Partner
from partners.outbox.services import EventDraft, events_record
from partners.roles import Role, role_of
from prm.errors import Conflict, FieldErrors, NotFound
from programs.strategies.events import outcome_events
from programs.strategies.models import Outcome
from programs.tiers.evaluation import Action
from programs.tiers.events import membership_changed, membership_snapshot
from programs.tiers.models import DowngradeProposal, Membership, Program, Tier, TierChange


class ProgramNotForPartnerType(Conflict):
    code = "program_not_for_partner_type"


class MembershipExists(Conflict):
    code = "membership_exists"


class ProposalDecided(Conflict):
    code = "proposal_decided"


class TierMoved(Conflict):
    """The membership is no longer at the tier the change was decided for."""

    code = "tier_moved"


def _require_manager(actor) -> None:
    """Tier moves are a partner manager's or an administrator's decision, or the system's (no actor)."""
    if actor is not None and role_of(actor) not in (Role.ADMIN, Role.MANAGER):
        raise PermissionDenied("Only partner managers and administrators change tiers.")


def _who(actor) -> str:
    return (actor.get_full_name() or actor.email) if actor else "the system"


@transaction.atomic
def membership_create(
    *, partner_id: int, program_id: int, actor, tier_id: int | None = None, reason: str = ""
) -> Membership:
    """Enrol a partner in a program at a tier (the entry tier by default).

    The program must be active and meant for the partner's type (409 program_not_for_partner_type);
    a partner is in a program once (409 membership_exists). Kept as a "joined" tier change.
    """
    _require_manager(actor)
    partner = Partner.objects.select_for_update().filter(pk=partner_id).first()
    program = Program.objects.filter(pk=program_id).first()
    if partner is None or program is None:
        raise NotFound("No such partner or program.")
    if not program.is_active or partner.type not in program.partner_types:
        raise ProgramNotForPartnerType(
            f"{program.name} is for {', '.join(program.partner_types)} partners"
            f"{'' if program.is_active else ' and is not active'}; {partner.name} is a {partner.type} partner."
        )
    tiers = program.tiers.order_by("rank")
    tier = tiers.filter(pk=tier_id).first() if tier_id is not None else tiers.first()
    if tier is None:
        raise FieldErrors({"tier": ["Choose a tier of this program." if tier_id else "The program has no tiers yet."]})
    if Membership.objects.filter(partner=partner, program=program).exists():
        raise MembershipExists(f"{partner.name} is already a member of {program.name}.")
    membership = Membership.objects.create(partner=partner, program=program, tier=tier, since=timezone.localdate())
    reason = reason.strip() or f"Enrolled by {_who(actor)}."
    TierChange.objects.create(
        membership=membership, partner=partner, to_tier=tier, direction=TierChange.Direction.JOINED,
        reason=reason, approved_by=actor,
    )  # fmt: skip
    membership_changed(
        membership=membership, actor=actor, type="tier.changed",
        message=f"Joined {program.name} at {tier.name}", extra={"direction": "joined", "reason": reason},
    )  # fmt: skip
    return membership


def _locked(membership_id: int) -> Membership:
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("program", "tier", "partner")
        .filter(pk=membership_id)
        .first()
    )
    if membership is None:
        raise NotFound("No such membership.")
    return membership


def _move(membership: Membership, *, to_tier: Tier, actor, reason: str, evidence: dict, approved_by=None) -> TierChange:
    """Put a locked membership at ``to_tier`` as of today, clear its grace period, withdraw any
    pending proposal and close the open tier outcomes that asked for this move."""
    from_tier = membership.tier
    direction = TierChange.Direction.UPGRADE if to_tier.rank > from_tier.rank else TierChange.Direction.DOWNGRADE
    membership.tier = to_tier
    membership.since = timezone.localdate()
    membership.state = Membership.State.OK
    membership.grace_started_on = membership.grace_until = None
    membership.recommended_tier = None
    membership.save(
        update_fields=["tier", "since", "state", "grace_started_on", "grace_until", "recommended_tier", "updated_at"]
    )
    change = TierChange.objects.create(
        membership=membership, partner_id=membership.partner_id, from_tier=from_tier, to_tier=to_tier,
        direction=direction, reason=reason, evidence=evidence, approved_by=approved_by,
    )  # fmt: skip
    membership_changed(
        membership=membership, actor=actor, type="tier.changed", from_tier=from_tier,
        message=f"{direction.label}: {from_tier.name} → {to_tier.name} in {membership.program.name}",
        extra={"direction": direction.value, "reason": reason, "evidence": evidence,
               "approved_by": approved_by.pk if approved_by else None},
    )  # fmt: skip
    _close_tier_outcomes(membership, note=f"Moved to {to_tier.name} by {_who(actor)}.", actor=actor)
    return change


def _close_tier_outcomes(
    membership: Membership, *, note: str, actor, change_state: str = Outcome.State.APPLIED
) -> None:
    """The open outcomes about this membership's tier stop asking once the tier has moved or a
    manager decided: a recommended change takes ``change_state``, an alert or notice is resolved."""
    open_outcomes = Outcome.objects.select_for_update().filter(
        partner_id=membership.partner_id,
        state=Outcome.State.OPEN,
        rule_kind="tier_evaluation",
        evidence__membership=membership.pk,
    )
    closed = []
    for kind_filter, state in ((True, change_state), (False, Outcome.State.RESOLVED)):
        ids = list(
            open_outcomes.filter(kind=Outcome.Kind.TIER_CHANGE)
            if kind_filter
            else open_outcomes.exclude(kind=Outcome.Kind.TIER_CHANGE)
        )
        ids = [outcome.pk for outcome in ids]
        if ids:
            Outcome.objects.filter(pk__in=ids).update(state=state, note=note[:2000], closed_at=timezone.now())
            closed.extend(ids)
    if closed:
        outcome_events(type="outcome.closed", outcome_ids=closed, actor=actor)


@transaction.atomic
def membership_change_tier(
    *, membership_id: int, tier_id: int, actor, reason: str, evidence: dict | None = None,
    expected_tier_id: int | None = None,
) -> TierChange:  # fmt: skip
    """Move a member to another tier of its program by a manager's decision, with a reason.

    ``expected_tier_id`` guards a decision taken on what the manager saw (409 tier_moved when the
    member moved meanwhile). A pending downgrade proposal is withdrawn by the move.
    """
    _require_manager(actor)
    if not reason.strip():
        raise FieldErrors({"reason": ["Say why the tier changes."]})
    membership = _locked(membership_id)
    if expected_tier_id is not None and membership.tier_id != expected_tier_id:
        raise TierMoved(f"The member is now at {membership.tier.name}.", current=membership.tier_id)
    to_tier = Tier.objects.filter(pk=tier_id, program_id=membership.program_id).first()
    if to_tier is None:
        raise FieldErrors({"tier": ["Choose a tier of the member's program."]})
    if to_tier.pk == membership.tier_id:
        raise FieldErrors({"tier": [f"The member is at {to_tier.name} already."]})
    _withdraw_pending(membership, reason=f"Superseded: moved to {to_tier.name} by {_who(actor)}.", actor=actor)
    return _move(membership, to_tier=to_tier, actor=actor, reason=reason.strip(), evidence=evidence or {},
                 approved_by=actor)  # fmt: skip


def _withdraw_pending(membership: Membership, *, reason: str, actor) -> None:
    DowngradeProposal.objects.filter(membership=membership, state=DowngradeProposal.State.PENDING).update(
        state=DowngradeProposal.State.WITHDRAWN, reason=reason[:2000], decided_at=timezone.now(),
        decided_by=actor if actor and actor.pk else None,
    )  # fmt: skip


def _locked_proposal(proposal_id: int) -> DowngradeProposal:
    proposal = (
        DowngradeProposal.objects.select_for_update()
        .select_related("to_tier", "from_tier")
        .filter(pk=proposal_id)
        .first()
    )
    if proposal is None:
        raise NotFound("No such downgrade proposal.")
    if proposal.state != DowngradeProposal.State.PENDING:
        raise ProposalDecided(f"This proposal was {proposal.state} already.", current=proposal.state)
    return proposal


@transaction.atomic
def downgrade_approve(*, proposal_id: int, actor, reason: str = "") -> DowngradeProposal:
    """Carry out a proposed downgrade: the member moves to the proposed tier, kept with the
    approver, the reason and the evidence of the evaluation that proposed it."""
    _require_manager(actor)
    membership_id = DowngradeProposal.objects.filter(pk=proposal_id).values_list("membership_id", flat=True).first()
    if membership_id is None:
        raise NotFound("No such downgrade proposal.")
    membership = _locked(membership_id)  # the membership first, as every tier move locks it first
    proposal = _locked_proposal(proposal_id)
    if membership.tier_id != proposal.from_tier_id:
        raise TierMoved(f"The member is now at {membership.tier.name}.", current=membership.tier_id)
    reason = reason.strip() or f"Still below {proposal.from_tier.name} after the grace period."
    proposal.state = DowngradeProposal.State.APPROVED
    proposal.reason, proposal.decided_by, proposal.decided_at = reason, actor, timezone.now()
    proposal.save(update_fields=["state", "reason", "decided_by", "decided_at"])
    _move(membership, to_tier=proposal.to_tier, actor=actor, reason=reason, evidence=proposal.evidence,
          approved_by=actor)  # fmt: skip
    membership_changed(
        membership=membership, actor=actor, type="tier.downgrade_decided",
        message=f"Downgrade to {proposal.to_tier.name} approved by {_who(actor)}",
        extra={"proposal": proposal.pk, "decision": "approved", "reason": reason},
    )  # fmt: skip
    return proposal


@transaction.atomic
def downgrade_reject(*, proposal_id: int, actor, reason: str) -> DowngradeProposal:
    """Keep the member at its tier: the proposal is rejected with the manager's reason and the
    member is treated as reviewed today, so its next review comes at the rule's usual cadence."""
    _require_manager(actor)
    if not reason.strip():
        raise FieldErrors({"reason": ["Say why the member keeps its tier."]})
    membership_id = DowngradeProposal.objects.filter(pk=proposal_id).values_list("membership_id", flat=True).first()
    if membership_id is None:
        raise NotFound("No such downgrade proposal.")
    membership = _locked(membership_id)
    proposal = _locked_proposal(proposal_id)
    proposal.state = DowngradeProposal.State.REJECTED
    proposal.reason, proposal.decided_by, proposal.decided_at = reason.strip(), actor, timezone.now()
    proposal.save(update_fields=["state", "reason", "decided_by", "decided_at"])
    membership.state = Membership.State.OK
    membership.grace_started_on = membership.grace_until = None
    membership.evaluated_on = timezone.localdate()
    membership.save(update_fields=["state", "grace_started_on", "grace_until", "evaluated_on", "updated_at"])
    _close_tier_outcomes(
        membership, note=f"Downgrade rejected by {_who(actor)}: {reason.strip()}", actor=actor,
        change_state=Outcome.State.DISMISSED,
    )  # fmt: skip
    membership_changed(
        membership=membership, actor=actor, type="tier.downgrade_decided",
        message=f"Downgrade to {proposal.to_tier.name} rejected by {_who(actor)}: {reason.strip()}",
        extra={"proposal": proposal.pk, "decision": "rejected", "reason": reason.strip()},
    )  # fmt: skip
    return proposal


@transaction.atomic
def tier_outcome_apply(*, outcome: Outcome, actor) -> None:
    """Apply a tier_change outcome from the inbox: an upgrade moves the member (if it is still at
    the tier the outcome saw); a proposed downgrade is approved."""
    evidence = outcome.evidence or {}
    membership_id = evidence.get("membership")
    if evidence.get("action") == Action.UPGRADE:
        membership_change_tier(
            membership_id=membership_id, tier_id=evidence["target"], actor=actor,
            reason=f"Recommended by the tier evaluation: {outcome.title}", evidence=evidence,
            expected_tier_id=evidence.get("tier_id"),
        )  # fmt: skip
        return
    proposal = DowngradeProposal.objects.filter(
        membership_id=membership_id, state=DowngradeProposal.State.PENDING
    ).first()
    if proposal is None:
        raise Conflict("There is no pending downgrade proposal for this member.", code="outcome_not_applicable")
    downgrade_approve(proposal_id=proposal.pk, actor=actor, reason=f"Approved from the inbox: {outcome.title}")


def tier_evaluations_apply(*, effects: list, strategy_id: int, today: date) -> None:
    """The effect handler of the tier_evaluation rule, in the run chunk's transaction.

    Set-based, as a chunk reviews up to a thousand members and a program's first review may put
    most of them into grace: one UPDATE marks every reviewed member, one clears recommendations
    that no longer hold, one per kind of move makes it, each conditional on the tier and state the
    evaluation saw (a redelivered chunk, or a manager deciding meanwhile, makes it a no-op), and
    the moved members' timeline rows and events are inserted together. Auto upgrades and proposals
    are rare and go one by one through the same code as a manager's decision.
    """
    data = [effect.data for _partner_id, effect in effects]
    if not data:
        return
    Membership.objects.filter(pk__in=[d["membership"] for d in data]).update(evaluated_on=today)
    by_action: dict[str | None, list[dict]] = {}
    for d in data:
        by_action.setdefault(d["action"], []).append(d)
    upgrades = by_action.pop(Action.UPGRADE, [])
    Membership.objects.filter(
        pk__in=[d["membership"] for d in data if d["action"] != Action.UPGRADE], recommended_tier__isnull=False
    ).update(recommended_tier=None)  # the last review's recommendation no longer holds
    recommended = [d for d in upgrades if not d["auto_upgrade"]]
    if recommended:
        _update_where_expected(
            recommended, "recommended_tier_id = v.target", extra="AND m.recommended_tier_id IS DISTINCT FROM v.target"
        )
    for d in upgrades:
        if d["auto_upgrade"]:
            _auto_upgrade(d)
    started = _update_where_expected(
        by_action.get(Action.START_GRACE, []),
        "state = 'grace', grace_started_on = v.grace_started_on, grace_until = v.grace_until",
    )
    _announce_many(
        started, type="tier.grace_started",
        message=lambda d: f"Below its tier; kept until {d['grace_until'].isoformat()} at the latest: needs {d['gaps']}",
    )  # fmt: skip
    recovered = _update_where_expected(
        by_action.get(Action.RECOVER, []), "state = 'ok', grace_started_on = NULL, grace_until = NULL"
    )
    if recovered:
        ids = [d["membership"] for d in recovered]
        DowngradeProposal.objects.filter(membership_id__in=ids, state=DowngradeProposal.State.PENDING).update(
            state=DowngradeProposal.State.WITHDRAWN,
            reason="The member meets its tier again.",
            decided_at=timezone.now(),
        )
        for membership in Membership.objects.filter(pk__in=ids):
            _close_tier_outcomes(
                membership, note="The member meets its tier again.", actor=None, change_state=Outcome.State.RESOLVED
            )
        _announce_many(
            recovered, type="tier.grace_ended", message=lambda d: "Meets its tier again; the grace period ended"
        )
    for d in _update_where_expected(by_action.get(Action.PROPOSE_DOWNGRADE, []), "state = 'proposed_downgrade'"):
        proposal = DowngradeProposal.objects.create(
            membership_id=d["membership"], partner_id=_partner_of(d["membership"]),
            from_tier_id=d["tier"], to_tier_id=d["target"], evidence=d["evidence"],
        )  # fmt: skip
        _announce_many(
            [d], type="tier.downgrade_proposed",
            message=lambda d: f"Downgrade proposed after the grace period: needs {d['gaps']}",
            extra={"proposal": proposal.pk, "to_tier": d["target"]},
        )  # fmt: skip


def _update_where_expected(items: list[dict], assignments: str, extra: str = "") -> list[dict]:
    """One UPDATE of the members still at the tier and state their evaluation saw; returns the
    items whose member it changed."""
    if not items:
        return []
    rows = [
        (d["membership"], d["tier"], d["state"], d["target"], d["grace_started_on"], d["grace_until"]) for d in items
    ]
    # the fragments are constants of this module, never input
    sql = (
        f"UPDATE {Membership._meta.db_table} AS m SET {assignments}, updated_at = now() "  # noqa: S608
        "FROM (VALUES %s) AS v(id, tier_id, state, target, grace_started_on, grace_until) "
        f"WHERE m.id = v.id AND m.tier_id = v.tier_id AND m.state = v.state {extra} RETURNING m.id"
    )
    template = "(%s, %s, %s, %s::bigint, %s::date, %s::date)"
    with connection.cursor() as cursor:
        changed = {row[0] for row in execute_values(cursor.cursor, sql, rows, template=template, fetch=True)}
    return [d for d in items if d["membership"] in changed]


def _partner_of(membership_id: int) -> int:
    return Membership.objects.filter(pk=membership_id).values_list("partner_id", flat=True).get()


def _announce_many(items: list[dict], *, type: str, message, extra: dict | None = None) -> None:
    """The timeline rows and outbox events of members a run moved, inserted together. The rows do
    not count as the partner's activity, and no re-evaluation follows: the run just evaluated them."""
    if not items:
        return
    memberships = Membership.objects.select_related("program", "tier").in_bulk([d["membership"] for d in items])
    now = timezone.now()
    activities, drafts = [], []
    for d in items:
        membership = memberships[d["membership"]]
        activities.append(
            Activity(
                partner_id=membership.partner_id, kind=Activity.Kind.TIER, message=message(d)[:500], created_at=now,
                data={"membership": membership.pk, "tier": membership.tier_id, "state": membership.state},
            )
        )  # fmt: skip
        drafts.append(
            EventDraft(
                type=type, object_type="membership", object_id=membership.pk, partner_id=membership.partner_id,
                data={**membership_snapshot(membership), "evidence": d["evidence"], "gaps": d["gaps"], **(extra or {})},
            )
        )  # fmt: skip
    Activity.objects.bulk_create(activities)
    events_record(drafts, returning=False)


def _auto_upgrade(d: dict) -> None:
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("program", "tier", "partner")
        .filter(pk=d["membership"], tier_id=d["tier"])
        .first()
    )
    target = Tier.objects.filter(pk=d["target"], program_id=membership.program_id).first() if membership else None
    if membership is None or target is None:
        return
    _withdraw_pending(membership, reason=f"Superseded: upgraded to {target.name}.", actor=None)
    _move(
        membership, to_tier=target, actor=None, evidence=d["evidence"],
        reason=f"Meets every requirement of {target.name}; the program upgrades automatically.",
    )  # fmt: skip
