"""What certification changes tell the rest of the system: the partner's timeline and outbox events."""

from __future__ import annotations

from partners.events import timeline_record
from partners.models import Activity
from partners.outbox.services import event_record
from programs.certifications.models import Certification

EVENT_TYPES = {
    "certification.recorded": "A contact's certification was recorded; it waits for a manager's verification.",
    "certification.verified": "A manager verified a certification; its holder counts as certified until `expires_on`.",
    "certification.rejected": "A manager rejected a certification, with the reason.",
    "certification.expiring": "A verified certification expires within 30 days (`expires_on`).",
}


def certification_snapshot(certification: Certification) -> dict:
    """The certification as the API names it, at the moment of the change (never the file's path)."""
    definition = certification.definition
    return {
        "id": certification.pk,
        "partner": certification.partner_id,
        "contact": certification.contact_id,
        "contact_name": certification.contact.name,
        "definition": certification.definition_id,
        "definition_name": definition.name,
        "vertical": definition.vertical_id,
        "earned_on": certification.earned_on.isoformat(),
        "expires_on": certification.expires_on.isoformat(),
        "state": certification.state,
        "rejection_reason": certification.rejection_reason,
        "has_evidence": bool(certification.evidence),
    }


def certification_changed(*, certification: Certification, actor, type: str, message: str) -> None:
    """The partner's timeline row and the outbox event of one certification change, in the caller's
    transaction."""
    data = certification_snapshot(certification)
    timeline_record(
        partner=certification.partner,
        actor=actor,
        kind=Activity.Kind.CERTIFICATION,
        message=f"{message}: {data['definition_name']}, {data['contact_name']}"[:500],
        data={"certification": certification.pk, "state": certification.state},
        counts_as_activity=actor is not None,
    )
    event_record(
        type=type,
        object_type="certification",
        object_id=certification.pk,
        partner_id=certification.partner_id,
        data=data,
        actor=actor,
    )
