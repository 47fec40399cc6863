"""Who hears about agreements and onboarding: the partner's logins when its checklist starts and
when it is complete; the partner's manager when the agreement is accepted, when onboarding is
complete and when items are overdue."""

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

PARTNER_TYPES = ("onboarding.started", "onboarding.completed")
STAFF_TYPES = ("agreement.accepted", "onboarding.completed", "onboarding.items_overdue")


def _describe_for_partner(event, batch: Batch) -> Message:
    link = page_link("partner-onboarding:onboarding")
    if event.type == "onboarding.started":
        return Message(
            title="Welcome: your onboarding checklist is ready",
            body="Work through it to become an active partner; each item shows when it is due.",
            link=link,
        )
    return Message(
        title="Onboarding complete",
        body=f"Every item is done: {batch.partner_name(event.partner_id)} is now an active partner.",
        link=page_link("selfservice:home"),
    )


def _describe_for_manager(event, batch: Batch) -> Message:
    name, data = batch.partner_name(event.partner_id), event.data
    link = page_link("partner-detail", event.partner_id)
    if event.type == "agreement.accepted":
        return Message(
            title=f"{name} accepted its agreement",
            body=f"“{data.get('template_name') or 'Agreement'}” version {data.get('version')}, "
            f"signed by {data.get('typed_name') or 'a partner admin'}.",
            link=link,
        )
    if event.type == "onboarding.completed":
        return Message(title=f"{name} completed onboarding", body="Every checklist item is done.", link=link)
    overdue = data.get("overdue") or []
    titles = ", ".join(str(item.get("title")) for item in overdue[:3]) + ("…" if len(overdue) > 3 else "")
    return Message(
        title=f"{name}: {len(overdue)} onboarding item{'s' if len(overdue) != 1 else ''} overdue",
        body=f"Past due: {titles}.",
        link=link,
    )


def register() -> None:
    register_category(
        Category(
            code="onboarding",
            label="Your onboarding",
            description="Your onboarding checklist is ready, and when it is complete.",
            audience=PARTNER,
            default=Delivery.IMMEDIATELY,
            event_types=PARTNER_TYPES,
            recipients=organisation_logins,
            describe=_describe_for_partner,
            to_organisation=True,
        )
    )
    register_category(
        Category(
            code="onboarding_progress",
            label="Onboarding of your partners",
            description="A partner you own accepted its agreement, completed onboarding or has overdue items.",
            audience=STAFF,
            default=Delivery.IMMEDIATELY,
            event_types=STAFF_TYPES,
            recipients=partner_owner,
            describe=_describe_for_manager,
        )
    )
