"""What deal changes tell the rest of the system: the partner's timeline and outbox events."""

from __future__ import annotations

from partners.events import timeline_record
from partners.models import Activity
from partners.outbox.services import event_record
from programs.deals.models import Deal

EVENT_TYPES = {
    "deal.registered": "A partner registered a deal; `conflicts` lists the other registrations it overlaps.",
    "deal.approved": "A deal registration was approved; the customer is protected until `protected_until`.",
    "deal.rejected": "A deal registration was rejected, with the reason.",
    "deal.closed": "A deal was won or lost, with the amount and date, or expired.",
    "deal.expiring": "A deal's protection ends soon (`protected_until`).",
}


def deal_snapshot(deal: Deal) -> dict:
    """The deal as the API names it, at the moment of the change."""
    return {
        "id": deal.pk,
        "partner": deal.partner_id,
        "customer_company": deal.customer_company,
        "customer_domain": deal.customer_domain,
        "amount": str(deal.amount),
        "currency": deal.currency,
        "expected_close_on": deal.expected_close_on.isoformat() if deal.expected_close_on else None,
        "products": list(deal.products),
        "stage": deal.stage,
        "state": deal.state,
        "protected_until": deal.protected_until.isoformat() if deal.protected_until else None,
        "decision_reason": deal.decision_reason,
        "closed_amount": str(deal.closed_amount) if deal.closed_amount is not None else None,
        "closed_on": deal.closed_on.isoformat() if deal.closed_on else None,
    }


def deal_changed(*, deal: Deal, actor, type: str, message: str, extra: dict | None = None) -> None:
    """The partner's timeline row and the outbox event of one deal change, in the caller's transaction."""
    data = {**deal_snapshot(deal), **(extra or {})}
    timeline_record(
        partner=deal.partner,
        actor=actor,
        kind=Activity.Kind.DEAL,
        message=f"{message}: {deal.customer_company}"[:500],
        data={"deal": deal.pk, "state": deal.state},
    )
    event_record(type=type, object_type="deal", object_id=deal.pk, partner_id=deal.partner_id, data=data, actor=actor)
