"""What tier changes tell the rest of the system: the partner's timeline and outbox events."""

from __future__ import annotations

from partners.events import timeline_record
from partners.models import Activity
from partners.outbox.services import event_record
from programs.tiers.models import Membership, Tier

EVENT_TYPES = {
    "tier.changed": "A partner joined a program or moved to another tier, with the reason, evidence and approver.",
    "tier.grace_started": "A member fell below its tier's requirements; it keeps the tier until `grace_until`.",
    "tier.grace_ended": "A member in its grace period meets its tier again; any proposed downgrade is withdrawn.",
    "tier.downgrade_proposed": "A member stayed below its tier after the grace period; a manager decides.",
    "tier.downgrade_decided": "A manager approved or rejected a proposed downgrade, with the reason.",
    "program.changed": "An administrator created or changed a program or its tier ladder.",
}


def membership_snapshot(membership: Membership) -> dict:
    return {
        "membership": membership.pk,
        "partner": membership.partner_id,
        "program": membership.program_id,
        "program_name": membership.program.name,
        "tier": membership.tier_id,
        "tier_name": membership.tier.name,
        "state": membership.state,
        "since": membership.since.isoformat(),
        "grace_until": membership.grace_until.isoformat() if membership.grace_until else None,
    }


def membership_changed(
    *, membership: Membership, actor, type: str, message: str, extra: dict | None = None, from_tier: Tier | None = None
) -> None:
    """The timeline row and the outbox event of one membership change, in the caller's transaction."""
    data = {**membership_snapshot(membership), **(extra or {})}
    if from_tier is not None:
        data.update(from_tier=from_tier.pk, from_tier_name=from_tier.name)
    timeline_record(
        partner=membership.partner,
        actor=actor,
        kind=Activity.Kind.TIER,
        message=message[:500],
        data={"membership": membership.pk, "tier": membership.tier_id, "state": membership.state},
        counts_as_activity=False,
    )
    event_record(
        type=type,
        object_type="membership",
        object_id=membership.pk,
        partner_id=membership.partner_id,
        data=data,
        actor=actor,
    )
