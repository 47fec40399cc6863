"""What application changes tell the rest of the system: the prospect partner's timeline and
outbox events. Applications are staff business: their events never reach partner logins
(``application.*`` is not among partners.webhooks' partner patterns)."""

from __future__ import annotations

from partners.events import timeline_record
from partners.models import Activity
from partners.outbox.services import event_record
from programs.applications.models import PartnerApplication

EVENT_TYPES = {
    "application.received": "A company applied to become a partner on the public page; `duplicate` says "
    "whether another application or partner has its domain.",
    "application.decided": "A partner application was approved (the partner moves to onboarding and its "
    "contact is invited) or rejected, with the reason.",
}


def application_snapshot(application: PartnerApplication) -> dict:
    """The application as the API names it, at the moment of the change."""
    return {
        "id": application.pk,
        "partner": application.partner_id,
        "company": application.company,
        "website": application.website,
        "domain": application.domain,
        "requested_type": application.requested_type,
        "verticals": list(application.verticals),
        "regions": list(application.regions),
        "state": application.state,
        "vetter": application.vetter_id,
        "duplicate": application.is_duplicate,
        "duplicate_of": application.duplicate_of_id,
        "duplicate_partner": application.duplicate_partner_id,
        "rejection_reason": application.rejection_reason,
        "decided_by": application.decided_by_id,
        "decided_at": application.decided_at.isoformat() if application.decided_at else None,
    }


def application_changed(
    *, application: PartnerApplication, actor, message: str, type: str | None = None, extra: dict | None = None
) -> None:
    """The prospect partner's timeline row and, with ``type``, the outbox event of one application
    change, in the caller's transaction."""
    timeline_record(
        partner=application.partner,
        actor=actor,
        kind=Activity.Kind.APPLICATION,
        message=f"{message}: {application.company}"[:500],
        data={"application": application.pk, "state": application.state},
    )
    if type is not None:
        event_record(
            type=type,
            object_type="application",
            object_id=application.pk,
            partner_id=application.partner_id,
            data={**application_snapshot(application), **(extra or {})},
            actor=actor,
        )
