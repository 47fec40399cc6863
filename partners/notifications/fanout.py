"""The outbox channel ``notifications``: turn a batch of events into in-app notifications and
immediate e-mails, set-based.

Called by the dispatcher inside its transaction, once per batch, in event order. A fixed number
of queries per batch whatever its size: the partners the events name, the partner logins when a
category addresses organisations, the recipients, their preferences and bounced addresses, then
one INSERT of notifications and one of e-mails. Both INSERTs skip rows that exist ((user, event)
and the e-mail key are unique), so a batch fanned out again changes nothing.

Partner logins only ever hear about their own organisation: a partner-audience notification is
written only when the event's ``partner_id`` is the login's partner, whatever a resolver said.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from partners.models import Partner, PartnerUser
from partners.notifications.categories import PARTNER, STAFF, Batch, categories
from partners.notifications.emails import notification_email
from partners.notifications.models import Delivery, EmailBounce, Notification, NotificationPreference
from prm.mail import QueuedEmail, emails_queue

User = get_user_model()
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Recipient:
    email: str
    name: str
    is_staff: bool
    partner_id: int | None
    partner_status: str | None


def notifications_fan_out(events: list) -> None:
    """Write the notifications (and queue the immediate e-mails) of a batch of events."""
    wanted = {event_type for category in categories() for event_type in category.event_types}
    events = [event for event in events if event.type in wanted]
    if not events:
        return
    batch = _batch_for(events)
    candidates = []  # (category, event, user_id), first category wins for a (user, event)
    seen = set()
    for category in categories():
        mine = [event for event in events if event.type in category.event_types]
        if not mine:
            continue
        for event, user_id in category.recipients(mine, batch):
            if user_id == event.actor_id and not category.notify_actor:
                continue  # nobody needs telling what they did themselves
            if (user_id, event.uid) not in seen:
                seen.add((user_id, event.uid))
                candidates.append((category, event, user_id))
    if not candidates:
        return
    user_ids = {user_id for _, _, user_id in candidates}
    recipients = _recipients(user_ids)
    choices = {
        (user_id, code): delivery
        for user_id, code, delivery in NotificationPreference.objects.filter(user_id__in=user_ids).values_list(
            "user_id", "category", "delivery"
        )
    }
    bounced = set(
        EmailBounce.objects.filter(
            email__in={recipient.email.lower() for recipient in recipients.values() if recipient.email}
        ).values_list("email", flat=True)
    )
    rows, mails = [], []
    for category, event, user_id in candidates:
        recipient = recipients.get(user_id)
        if recipient is None or not _may_receive(recipient, category, event):
            continue
        delivery = choices.get((user_id, category.code), category.default)
        if delivery == Delivery.OFF:
            continue
        try:
            message = category.describe(event, batch)
        except Exception:  # a payload it cannot read costs that notification, never the batch
            logger.exception("notification of event %s for user %s skipped", event.pk, user_id)
            continue
        rows.append(
            Notification(
                user_id=user_id,
                event_uid=event.uid,
                event_type=event.type,
                category=category.code,
                delivery=delivery,
                partner_id=event.partner_id,
                title=message.title[:300],
                body=message.body,
                link=message.link[:500],
                created_at=event.created_at,
            )
        )
        if delivery == Delivery.IMMEDIATELY and recipient.email and recipient.email.lower() not in bounced:
            mail = notification_email(
                to=recipient.email,
                name=recipient.name,
                user_id=user_id,
                is_staff=recipient.is_staff,
                category=category,
                title=message.title,
                body=message.body,
                link=message.link,
            )
            mails.append(
                QueuedEmail(message=mail, key=f"n:{event.uid.hex}:{user_id}", category=category.code, user_id=user_id)
            )
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    emails_queue(mails)


def _batch_for(events: list) -> Batch:
    """The partners the batch names (one query) and, when an event addresses an organisation,
    the active logins of those organisations (one more)."""
    batch = Batch()
    partner_ids = {event.partner_id for event in events if event.partner_id is not None}
    if partner_ids:
        batch.partners = {
            pk: (name, owner_id, status)
            for pk, name, owner_id, status in Partner.objects.filter(pk__in=partner_ids).values_list(
                "pk", "name", "owner_id", "status"
            )
        }
    organisation_types = {
        event_type for category in categories() if category.to_organisation for event_type in category.event_types
    }
    addressed = {
        event.partner_id
        for event in events
        if event.partner_id is not None
        and (event.type in organisation_types or event.data.get("audience") == "partner")
    }
    if addressed:
        for partner_id, user_id in PartnerUser.objects.filter(
            partner_id__in=addressed, user__is_active=True
        ).values_list("partner_id", "user_id"):
            batch.partner_logins.setdefault(partner_id, []).append(user_id)
    return batch


def _recipients(user_ids: set[int]) -> dict[int, _Recipient]:
    """Active logins among ``user_ids``, with their organisation (one query)."""
    rows = User.objects.filter(pk__in=user_ids, is_active=True).values_list(
        "pk",
        "email",
        "first_name",
        "last_name",
        "is_staff",
        "partner_user__partner_id",
        "partner_user__partner__status",
    )
    return {
        pk: _Recipient(
            email=email or "",
            name=f"{first} {last}".strip() or email,
            is_staff=is_staff,
            partner_id=partner_id,
            partner_status=status,
        )
        for pk, email, first, last, is_staff, partner_id, status in rows
    }


def _may_receive(recipient: _Recipient, category, event) -> bool:
    """Staff categories reach staff; partner categories reach a login of the event's own,
    non-terminated organisation only."""
    if category.audience == STAFF:
        return recipient.is_staff
    if category.audience == PARTNER:
        return (
            not recipient.is_staff
            and recipient.partner_id is not None
            and recipient.partner_id == event.partner_id
            and recipient.partner_status != Partner.Status.TERMINATED
        )
    return False
