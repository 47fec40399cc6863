"""Writes on outcomes: a manager marks them done or dismissed, or applies a recommendation."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from partners.roles import Role, role_of
from partners.services import partner_change_status
from prm.errors import Conflict, FieldErrors
from programs.strategies.events import outcome_events
from programs.strategies.models import Outcome

CLOSING_STATES = {Outcome.State.DONE, Outcome.State.DISMISSED}
SETTABLE_OUTCOME_STATES = (Outcome.State.DONE, Outcome.State.DISMISSED, Outcome.State.APPLIED)


class OutcomeNotOpen(Conflict):
    code = "outcome_not_open"


class OutcomeAddressedToPartner(Conflict):
    """A request to a partner is answered by the partner (an upload, a review), which resolves it;
    nobody ticks it done on the partner's behalf. It may be withdrawn (dismissed) with a reason."""

    code = "outcome_addressed_to_partner"


def _require_manager(actor) -> None:
    """Closing or applying an outcome is a partner manager's (or an administrator's) decision, or
    the system's (no actor); analysts and partner logins are refused whatever route they took."""
    if actor is not None and role_of(actor) not in (Role.ADMIN, Role.MANAGER):
        raise PermissionDenied("Only partner managers and administrators close outcomes.")


@transaction.atomic
def outcome_close(*, outcome_id: int, actor, state: str, note: str = "") -> Outcome:
    """Mark an open outcome done or dismissed, with the manager's note.

    The row is locked, so two managers closing it at once cannot both succeed. Only managers,
    administrators and the system (no actor) close outcomes. A request addressed to the partner is
    never marked done (OutcomeAddressedToPartner, 409): what the partner does resolves it
    (``services.requests``); it may be withdrawn (dismissed), and only with a reason.
    """
    if state not in CLOSING_STATES:
        raise ValueError(f"closing state must be one of {sorted(CLOSING_STATES)}")
    _require_manager(actor)
    outcome = Outcome.objects.select_for_update().get(pk=outcome_id)
    if outcome.state != Outcome.State.OPEN:
        raise OutcomeNotOpen(f"This outcome is {outcome.state} already.", current=outcome.state)
    verb = state.capitalize()
    if outcome.audience == Outcome.Audience.PARTNER:
        if state == Outcome.State.DONE:
            raise OutcomeAddressedToPartner(
                "This request is addressed to the partner: it closes when the partner answers it. "
                "Withdraw it (dismissed) with a reason instead."
            )
        if not note.strip():
            raise FieldErrors({"note": ["Give a reason for withdrawing a request addressed to the partner."]})
        verb = "Withdrawn"
    who = (actor.get_full_name() or actor.email) if actor else "the system"
    outcome.state = state
    outcome.note = f"{verb} by {who}" + (f": {note}" if note else ".")
    outcome.closed_at = timezone.now()
    outcome.save(update_fields=["state", "note", "closed_at", "updated_at"])
    outcome_events(type="outcome.closed", outcome_ids=[outcome.pk], actor=actor)
    return outcome


@transaction.atomic
def outcome_apply(*, outcome_id: int, actor) -> Outcome:
    """Carry out a recommended status or tier change, then mark the outcome applied.

    An illegal transition (the partner moved on meanwhile) raises the partner service's 409
    and leaves the outcome open.
    """
    _require_manager(actor)
    outcome = Outcome.objects.select_for_update().get(pk=outcome_id)
    if outcome.state != Outcome.State.OPEN:
        raise OutcomeNotOpen(f"This outcome is {outcome.state} already.", current=outcome.state)
    if outcome.kind == Outcome.Kind.TIER_CHANGE:
        from programs.tiers.services import tier_outcome_apply  # tiers build on the strategy engine

        tier_outcome_apply(outcome=outcome, actor=actor)
        outcome.refresh_from_db()
        if outcome.state != Outcome.State.OPEN:  # the tier move closed it, with its note
            return outcome
    elif outcome.kind != Outcome.Kind.STATUS_CHANGE or not outcome.recommended_status:
        raise Conflict("Only a recommended status or tier change can be applied.", code="outcome_not_applicable")
    else:
        partner_change_status(
            partner_id=outcome.partner_id, actor=actor, status=outcome.recommended_status,
            reason=f"recommended by {outcome.strategy.name}: {outcome.title}",
        )  # fmt: skip
    outcome.state = Outcome.State.APPLIED
    outcome.note = f"Applied by {(actor.get_full_name() or actor.email) if actor else 'the system'}."
    outcome.closed_at = timezone.now()
    outcome.save(update_fields=["state", "note", "closed_at", "updated_at"])
    outcome_events(type="outcome.closed", outcome_ids=[outcome.pk], actor=actor)
    return outcome


@transaction.atomic
def outcome_set_state(*, outcome_id: int, actor, state: str, note: str = "") -> Outcome:
    """Close an open outcome (done, dismissed) or apply its recommendation (applied), with a note.

    Other states belong to runs (resolved, expired) and raise FieldErrors; an outcome that is no
    longer open raises OutcomeNotOpen (409) from the outcome services, which lock the row.
    """
    if state == Outcome.State.APPLIED:
        outcome = outcome_apply(outcome_id=outcome_id, actor=actor)
        if note:
            outcome.note = f"{outcome.note.rstrip('.')}: {note}"
            outcome.save(update_fields=["note", "updated_at"])
        return outcome
    if state in CLOSING_STATES:
        return outcome_close(outcome_id=outcome_id, actor=actor, state=state, note=note)
    raise FieldErrors({"state": [f"Set one of: {', '.join(SETTABLE_OUTCOME_STATES)}; runs set the others."]})
