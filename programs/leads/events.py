"""What lead changes tell the rest of the system: outbox events (webhooks, notifications) and the
notification categories that turn them into e-mails and in-app messages.

An event about an offer is addressed to that partner (``audience: partner``) and never names
another partner: a partner's webhooks and logins hear only of their own offers.
"""

from __future__ import annotations

from datetime import datetime

from partners.events import timeline_record
from partners.models import Activity, Partner
from partners.notifications.categories import (
    PARTNER,
    STAFF,
    Batch,
    Category,
    Message,
    addressed_partner_logins,
    page_link,
    register_category,
)
from partners.notifications.models import Delivery
from partners.outbox.services import EventDraft, events_record
from partners.outbox.types import register_event_type
from programs.leads.models import Lead

EVENT_TYPES = {
    "lead.offered": "A lead was offered to a partner, who accepts or declines it by `respond_by`.",
    "lead.assigned": "A manager assigned a lead from the manual queue to a partner (which is then offered it).",
    "lead.accepted": "A partner accepted a lead offered to it; the lead is now the partner's.",
    "lead.declined": "A partner declined a lead, with the reason; the lead goes to the next candidate.",
    "lead.rerouted": "A partner did not answer a lead's offer by `respond_by` (an SLA breach); the lead goes on.",
    "lead.closed": "A lead was converted (`status` converted) or closed.",
}


def lead_snapshot(lead: Lead) -> dict:
    """The lead as the API names it (without the staff-only routing), at the moment of the change."""
    return {
        "id": lead.pk,
        "company": lead.company,
        "contact_name": lead.contact_name,
        "contact_email": lead.contact_email,
        "country": str(lead.country),
        "region": lead.region_id,
        "vertical": lead.vertical_id,
        "size": lead.size,
        "source": lead.source,
        "status": lead.status,
        "partner": lead.partner_id,
        "offered_at": lead.offered_at.isoformat() if lead.offered_at else None,
        "respond_by": lead.respond_by.isoformat() if lead.respond_by else None,
    }


def lead_event_draft(*, lead: Lead, type: str, partner_id: int | None, extra: dict | None = None) -> EventDraft:
    """The outbox event of one lead change. ``partner_id`` is the partner the event is about (and
    addressed to); the snapshot's ``partner`` is that one too, so an event about a partner that
    lost a lead never names the partner that got it."""
    data = {**lead_snapshot(lead), "partner": partner_id, "created_by": lead.created_by_id, **(extra or {})}
    if partner_id is not None:
        data["audience"] = "partner"
    return EventDraft(type=type, object_type="lead", object_id=lead.pk, partner_id=partner_id, data=data)


def lead_event(*, lead: Lead, actor, type: str, partner_id: int | None, extra: dict | None = None) -> None:
    """Record one lead change's event in the caller's transaction (lead_event_draft)."""
    events_record([lead_event_draft(lead=lead, type=type, partner_id=partner_id, extra=extra)], actor=actor)


def lead_on_timelines(entries: list[tuple[int, Lead, str]], *, at) -> None:
    """Timeline rows, one INSERT for a batch, on the partners a routing offered leads to or whose
    offers lapsed: ``(partner id, lead, message)``. What we did, not what the partner did, so the
    partner's last activity stays as it was."""
    Activity.objects.bulk_create(
        Activity(
            partner_id=partner_id,
            kind=Activity.Kind.LEAD,
            message=f"{message}: {lead.company}"[:500],
            data={"lead": lead.pk, "status": lead.status},
            created_at=at,
        )
        for partner_id, lead, message in entries
    )


def lead_on_timeline(*, partner_id: int, lead: Lead, actor, message: str) -> None:
    """The timeline row of what a partner's login or a manager did with one lead."""
    timeline_record(
        partner=Partner(pk=partner_id),
        actor=actor,
        kind=Activity.Kind.LEAD,
        message=f"{message}: {lead.company}"[:500],
        data={"lead": lead.pk, "status": lead.status},
    )


def _when(value) -> str:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return moment.strftime("%d %b %Y, %H:%M %Z").strip()


def _describe_offer(event, batch: Batch) -> Message:
    data = event.data
    company = data.get("company") or "a prospect"
    if event.type == "lead.rerouted":
        return Message(
            title=f"Lead {company} went to another partner",
            body=f"Nobody at {batch.partner_name(event.partner_id)} accepted or declined it by "
            f"{_when(data.get('respond_by'))}, so it was offered elsewhere.",
        )
    where = ", ".join(str(part) for part in (data.get("country"), data.get("vertical")) if part)
    return Message(
        title=f"New lead: {company}, accept by {_when(data.get('respond_by'))}",
        body=f"A lead ({where}) is offered to {batch.partner_name(event.partner_id)}. Accept or decline it "
        f"by {_when(data.get('respond_by'))}; after that it goes to another partner.",
        link=page_link("partner-leads:lead-detail", event.object_id),
    )


def _lead_managers(events, batch: Batch):
    """Whoever created the lead and the partner's owner hear of declines and breaches."""
    for event in events:
        entry = batch.partners.get(event.partner_id)
        users = {event.data.get("created_by"), entry[1] if entry else None} - {None}
        for user_id in users:
            if isinstance(user_id, int):
                yield event, user_id


def _describe_for_managers(event, batch: Batch) -> Message:
    data, name = event.data, batch.partner_name(event.partner_id)
    company = data.get("company") or "a lead"
    if event.type == "lead.declined":
        return Message(
            title=f"{name} declined the lead {company}",
            body=f"Reason: {data.get('reason') or '—'}",
            link=page_link("lead-detail", event.object_id),
        )
    return Message(
        title=f"{name} let the lead {company} lapse",
        body=f"No answer by {_when(data.get('respond_by'))}; the breach is recorded and the lead re-routed.",
        link=page_link("lead-detail", event.object_id),
    )


def register() -> None:
    """The lead event types and notification categories (called by the programs app at start-up)."""
    for name, description in EVENT_TYPES.items():
        register_event_type(name, description)
    register_category(
        Category(
            code="lead_offers",
            label="Leads offered to you",
            description="A lead is offered to your organisation (with the time to accept by), or went elsewhere.",
            audience=PARTNER,
            default=Delivery.IMMEDIATELY,
            event_types=("lead.offered", "lead.rerouted"),
            recipients=addressed_partner_logins,
            describe=_describe_offer,
        )
    )
    register_category(
        Category(
            code="lead_responses",
            label="Declined and lapsed leads",
            description="A partner declined a lead you created or for a partner you own, or let its offer lapse.",
            audience=STAFF,
            default=Delivery.IMMEDIATELY,
            event_types=("lead.declined", "lead.rerouted"),
            recipients=_lead_managers,
            describe=_describe_for_managers,
        )
    )
