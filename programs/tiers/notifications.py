"""Who hears about tiers: the partner's logins of an upgrade or downgrade, of a grace period and
its deadline, and of its end; the partner's manager of a downgrade proposal to decide."""

from __future__ import annotations

from partners.notifications.categories import (
    PARTNER,
    STAFF,
    Batch,
    Category,
    Message,
    organisation_logins,
    page_link,
    partner_owner,
    register_category,
)
from partners.notifications.models import Delivery

PARTNER_EVENT_TYPES = ("tier.changed", "tier.grace_started", "tier.grace_ended")


def _describe_for_partner(event, batch: Batch) -> Message:
    data = event.data
    program, tier = data.get("program_name") or "your program", data.get("tier_name") or "a tier"
    link = page_link("partner-tiers:progress")
    if event.type == "tier.grace_started":
        return Message(
            title=f"Keep your {tier} tier: act by {data.get('grace_until')}",
            body=f"In {program} your organisation needs {data.get('gaps') or 'to meet every requirement again'} "
            f"by {data.get('grace_until')}; otherwise a downgrade is proposed.",
            link=link,
        )
    if event.type == "tier.grace_ended":
        return Message(title=f"You meet {tier} again", body=f"The grace period in {program} is over.", link=link)
    direction = data.get("direction")
    if direction == "joined":
        return Message(title=f"Welcome to {program}", body=f"Your organisation starts at {tier}.", link=link)
    if direction == "upgrade":
        return Message(title=f"Upgraded to {tier}", body=f"Your organisation is now {tier} in {program}.", link=link)
    return Message(
        title=f"Your tier in {program} is now {tier}",
        body=str(data.get("reason") or ""),
        link=link,
    )


def _describe_proposal(event, batch: Batch) -> Message:
    data = event.data
    return Message(
        title=f"Downgrade of {batch.partner_name(event.partner_id)} proposed",
        body=f"Still below {data.get('tier_name')} in {data.get('program_name')} after the grace period: "
        f"needs {data.get('gaps')}. Approve or reject it.",
        link=page_link("tier-proposals"),
    )


def register() -> None:
    register_category(
        Category(
            code="tier_news",
            label="Your program tiers",
            description="An upgrade or downgrade, a grace period with its deadline, and its end.",
            audience=PARTNER,
            default=Delivery.IMMEDIATELY,
            event_types=PARTNER_EVENT_TYPES,
            recipients=organisation_logins,
            describe=_describe_for_partner,
            to_organisation=True,
        )
    )
    register_category(
        Category(
            code="tier_proposals",
            label="Tier downgrades to decide",
            description="A partner you own stayed below its tier after the grace period.",
            audience=STAFF,
            default=Delivery.IMMEDIATELY,
            event_types=("tier.downgrade_proposed",),
            recipients=partner_owner,
            describe=_describe_proposal,
        )
    )
