"""Who hears about applications: every partner manager and administrator when a company applies
(any of them may pick it up), and the vetter when someone else decided the application they were
assigned. Applications are never shown to partner logins."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q

from partners.notifications.categories import STAFF, Batch, Category, Message, page_link, register_category
from partners.notifications.models import Delivery
from partners.roles import Role

User = get_user_model()


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _managers_hear(events, batch: Batch):
    """New applications reach every active manager and administrator: one query per batch."""
    received = [event for event in events if event.type == "application.received"]
    if received:
        staff = list(
            User.objects.filter(is_active=True, is_staff=True)
            .filter(Q(is_superuser=True) | Q(groups__name=Role.GROUP_NAMES[Role.MANAGER]))
            .values_list("pk", flat=True)
            .distinct()
        )
        for event in received:
            for user_id in staff:
                yield event, user_id
    for event in events:
        if event.type == "application.decided":
            vetter = _int(event.data.get("vetter"))
            if vetter is not None:
                yield event, vetter


def _describe(event, batch: Batch) -> Message:
    data = event.data
    company = str(data.get("company") or "A company")
    link = page_link("application-detail", event.object_id)
    if event.type == "application.received":
        kind = str(data.get("requested_type") or "").replace("_", " ")
        duplicate = " Another application or partner has the same domain." if data.get("duplicate") else ""
        return Message(
            title=f"{company} applied to become a {kind or 'new'} partner",
            body=f"{data.get('website') or ''} waits for vetting.{duplicate}".strip(),
            link=link,
        )
    if data.get("state") == "approved":
        return Message(title=f"Application approved: {company}", body="The partner is onboarding.", link=link)
    return Message(
        title=f"Application rejected: {company}", body=f"Reason: {data.get('rejection_reason') or ''}", link=link
    )


def register() -> None:
    register_category(
        Category(
            code="applications",
            label="Partner applications",
            description="A company applied on the public page; an application you vet was decided.",
            audience=STAFF,
            default=Delivery.IMMEDIATELY,
            event_types=("application.received", "application.decided"),
            recipients=_managers_hear,
            describe=_describe,
        )
    )
