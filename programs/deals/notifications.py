"""Who hears about deals: the partner's logins when a registration is decided, about to lose its
protection or expired; the partner's manager when a registration waits for approval."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from partners.notifications.categories import (
    PARTNER,
    STAFF,
    Batch,
    Category,
    Message,
    page_link,
    partner_owner,
    register_category,
)
from partners.notifications.models import Delivery

PARTNER_EVENT_TYPES = ("deal.approved", "deal.rejected", "deal.expiring", "deal.closed")


def _customer(event) -> str:
    return str(event.data.get("customer_company") or "a customer")


def _money(amount, currency) -> str:
    try:
        return f"{Decimal(str(amount)):,.2f} {currency}"
    except (InvalidOperation, ValueError):
        return f"{amount} {currency}"


def _organisation_hears(events, batch: Batch):
    """Decisions, reminders and expiries reach every active login of the deal's partner; a won or
    lost deal is news only when it expired (the partner closed it itself otherwise)."""
    for event in events:
        if event.type == "deal.closed" and event.data.get("state") != "expired":
            continue
        for user_id in batch.partner_logins.get(event.partner_id, ()):
            yield event, user_id


def _describe_for_partner(event, batch: Batch) -> Message:
    data, customer = event.data, _customer(event)
    until = str(data.get("protected_until") or "")[:10]
    link = page_link("partner-deals:deal-detail", event.object_id)
    if event.type == "deal.approved":
        return Message(
            title=f"Deal approved: {customer}",
            body=f"{customer} is protected for {batch.partner_name(event.partner_id)} until {until}.",
            link=link,
        )
    if event.type == "deal.rejected":
        reason = data.get("decision_reason") or "no reason given"
        return Message(title=f"Deal rejected: {customer}", body=f"Reason: {reason}", link=link)
    if event.type == "deal.expiring":
        return Message(
            title=f"Protection of {customer} ends on {until}",
            body="Close the deal before then, or ask your partner manager to extend the protection.",
            link=link,
        )
    return Message(
        title=f"Deal expired: {customer}",
        body="Its protection or expected close date has passed; the customer is open to other registrations.",
        link=link,
    )


def _describe_for_manager(event, batch: Batch) -> Message:
    data = event.data
    overlaps = len(data.get("conflicts") or [])
    conflict = f" It overlaps {overlaps} other registration{'s' if overlaps != 1 else ''}." if overlaps else ""
    amount = _money(data.get("amount"), data.get("currency"))
    return Message(
        title=f"{batch.partner_name(event.partner_id)} registered {_customer(event)}",
        body=f"{amount}, expected to close on {data.get('expected_close_on')}. It waits for your approval.{conflict}",
        link=page_link("deal-detail", event.object_id),
    )


def register() -> None:
    register_category(
        Category(
            code="deal_decisions",
            label="Your deal registrations",
            description="A registration approved or rejected, protection about to end, a deal expired.",
            audience=PARTNER,
            default=Delivery.IMMEDIATELY,
            event_types=PARTNER_EVENT_TYPES,
            recipients=_organisation_hears,
            describe=_describe_for_partner,
            to_organisation=True,
        )
    )
    register_category(
        Category(
            code="deal_approvals",
            label="Deal registrations to approve",
            description="A partner you own registered a deal that waits for your decision.",
            audience=STAFF,
            default=Delivery.IMMEDIATELY,
            event_types=("deal.registered",),
            recipients=partner_owner,
            describe=_describe_for_manager,
        )
    )
