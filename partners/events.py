"""Timeline rows, written by the services that change a partner."""

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from partners.models import Activity, Partner
from partners.outbox.services import event_record

# sent after the transaction that changed a partner commits, with ``partner_id``; programs
# listens to re-evaluate the partner (partners never import programs)
partner_changed = Signal()


def timeline_record(
    *, partner: Partner, actor, kind: str, message: str, data: dict | None = None, counts_as_activity: bool = True
) -> Activity:
    """Append to the partner's timeline and, unless it is routine data such as a metric an
    integration reports, mark the partner as recently active (what the inactivity rules read)."""
    now = timezone.now()
    activity = Activity.objects.create(
        partner=partner,
        actor=actor if actor and actor.is_authenticated else None,
        kind=kind,
        message=message,
        data=data or {},
        created_at=now,
    )
    if counts_as_activity:
        Partner.objects.filter(pk=partner.pk).update(last_activity_at=now)
        partner.last_activity_at = now
    partner_id = partner.pk
    transaction.on_commit(lambda: partner_changed.send(sender=Partner, partner_id=partner_id))
    return activity


# --- outbox events: what integrations and notifications hear about --------------------


def partner_snapshot(partner: Partner) -> dict:
    """The partner as the API names it (api.md), at the moment of the change."""
    return {
        "id": partner.pk,
        "partner": partner.pk,
        "name": partner.name,
        "legal_name": partner.legal_name,
        "slug": partner.slug,
        "external_id": partner.external_id,
        "website": partner.website,
        "type": partner.type,
        "status": partner.status,
        "engagement": partner.engagement,
        "country": str(partner.country),
        "regions": list(partner.regions or []),
        "verticals": list(partner.verticals or []),
        "owner": partner.owner_id,
        "updated_at": partner.updated_at.isoformat() if partner.updated_at else None,
    }


def partner_event(*, type: str, partner: Partner, actor, changes: dict | None = None) -> None:
    """Record a partner event in the caller's transaction; ``changes`` maps a field to
    ``[old, new]`` as the timeline keeps it."""
    data = partner_snapshot(partner)
    if changes is not None:
        data["changes"] = {field: {"from": old, "to": new} for field, (old, new) in changes.items()}
    event_record(type=type, object_type="partner", object_id=partner.pk, partner_id=partner.pk, data=data, actor=actor)


def contact_snapshot(contact) -> dict:
    """The contact as the API names it, at the moment of the change."""
    return {
        "id": contact.pk,
        "partner": contact.partner_id,
        "name": contact.name,
        "email": contact.email,
        "phone": contact.phone,
        "title": contact.title,
        "role": contact.role,
        "is_primary": contact.is_primary,
    }


def contact_event(*, type: str, contact, actor, changes: dict | None = None) -> None:
    data = contact_snapshot(contact)
    if changes is not None:
        data["changes"] = {field: {"from": old, "to": new} for field, (old, new) in changes.items()}
    event_record(
        type=type, object_type="contact", object_id=contact.pk, partner_id=contact.partner_id, data=data, actor=actor
    )
