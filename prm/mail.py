"""E-mail leaves the request, durably: a message is written as an ``OutgoingEmail`` row in the
transaction that decided to send it, and a Celery worker sends it after the commit.

A slow or failing SMTP server never blocks a log-in or a password reset, and a broker that is down
loses nothing: the row waits in PostgreSQL and a sweep (every 30 s) sends what waited. A row is
claimed (a conditional UPDATE) before it is sent and marked sent in PostgreSQL afterwards, so two
senders never both send it; a sender lost between the SMTP server's acceptance and the mark may
send it again, with the same Message-ID.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.message import make_msgid
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from prm.db import delete_in_batches

logger = logging.getLogger(__name__)

# the sweep leaves rows this fresh to the task their own commit queued
SWEEP_GRACE = timedelta(seconds=10)
SWEEP_BATCH = 200


def email_serialize(message: EmailMessage) -> dict:
    """Plain JSON for the broker; the Message-ID is fixed now so a re-send is recognisable."""
    message_id = message.extra_headers.get("Message-ID") or make_msgid(domain="openprm")
    return {
        "key": uuid.uuid4().hex,
        "subject": message.subject,
        "body": message.body,
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": {**message.extra_headers, "Message-ID": message_id},
        "alternatives": [[content, mimetype] for content, mimetype in getattr(message, "alternatives", [])],
    }


@dataclass(frozen=True)
class QueuedEmail:
    """A message to send durably. ``key`` makes queueing idempotent (the same key twice is one
    e-mail); ``category`` marks notification mail (skipped for a bounced address); ``user_id``
    names the recipient's login (skipped once it is deactivated or its partner terminated)."""

    message: EmailMessage
    key: str = ""
    category: str = ""
    user_id: int | None = None


def email_queue(message: EmailMessage, *, key: str = "", category: str = "", user_id: int | None = None) -> str:
    """Queue one message durably in the caller's transaction; see ``emails_queue``."""
    return emails_queue([QueuedEmail(message=message, key=key, category=category, user_id=user_id)])[0]


def emails_queue(entries: list[QueuedEmail]) -> list[str]:
    """Write each message as an OutgoingEmail row (one INSERT; a key already queued is left as it
    is) and, once the transaction commits, ask a worker to send them. The broker may be down then:
    the rows wait for the sweep. Returns the keys."""
    from partners.notifications.models import OutgoingEmail

    rows, keys = [], []
    now = timezone.now()
    for entry in entries:
        payload = email_serialize(entry.message)
        if entry.key:
            payload["key"] = entry.key
        keys.append(payload["key"])
        rows.append(
            OutgoingEmail(
                key=payload["key"],
                payload=payload,
                to=(payload["to"] or [""])[0][:254],
                subject=str(payload["subject"])[:300],
                category=entry.category,
                user_id=entry.user_id,
                created_at=now,
                next_attempt_at=now,
            )
        )
    if not rows:
        return []
    OutgoingEmail.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)

    from prm.broker import enqueue_on_commit
    from prm.tasks import emails_send_task

    enqueue_on_commit(emails_send_task, keys)
    return keys


def _retry_delay(attempts: int) -> timedelta:
    """30 s, 1, 2, 4 … minutes, at most an hour: a short SMTP outage costs a minute, a long one
    is not hammered."""
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


def email_send(*, key: str, now=None) -> bool:
    """Send the queued message ``key`` if it is due and nobody else is sending it; True when sent.

    The row is claimed by a conditional UPDATE (its attempt count moves on and its next attempt is
    pushed back), so a second sender finds nothing to do; after the SMTP server accepts, the row
    is marked sent. A failure is recorded and left for the sweep at the next attempt time, and
    after NOTIFICATIONS_EMAIL_MAX_ATTEMPTS the row is given up (state failed). Notification mail
    to a bounced address, a deactivated login or a terminated partner's login is suppressed.
    """
    from partners.notifications.models import OutgoingEmail

    row = OutgoingEmail.objects.filter(key=key).first()
    now = now or timezone.now()
    if row is None or row.state != OutgoingEmail.State.PENDING or row.next_attempt_at > now:
        return False
    claimed = OutgoingEmail.objects.filter(pk=row.pk, state=OutgoingEmail.State.PENDING, attempts=row.attempts).update(
        attempts=F("attempts") + 1, next_attempt_at=now + _retry_delay(row.attempts + 1)
    )
    if claimed != 1:
        return False
    reason = _suppressed_because(row)
    if reason:
        OutgoingEmail.objects.filter(pk=row.pk).update(state=OutgoingEmail.State.SUPPRESSED, last_error=reason)
        return False
    try:
        _message(row.payload).send()
    except Exception as exc:  # SMTP and socket errors differ by backend; each is retried later
        given_up = row.attempts + 1 >= settings.NOTIFICATIONS_EMAIL_MAX_ATTEMPTS
        logger.warning("e-mail %s to %s failed (attempt %d): %s", key, row.to, row.attempts + 1, exc)
        OutgoingEmail.objects.filter(pk=row.pk).update(
            last_error=str(exc)[:2000], state=OutgoingEmail.State.FAILED if given_up else OutgoingEmail.State.PENDING
        )
        return False
    OutgoingEmail.objects.filter(pk=row.pk).update(
        state=OutgoingEmail.State.SENT, sent_at=timezone.now(), last_error=""
    )
    return True


def _suppressed_because(row) -> str:
    """Why a notification e-mail must not go out any more, or an empty string."""
    if row.user_id is not None:
        from partners.querysets import partner_link

        user = row.user
        if user is None or not user.is_active:
            return "the login is deactivated"
        link = partner_link(user)
        if link is not None and link.partner.status == "terminated":
            return "the partner is terminated"
    if row.category:
        from partners.notifications.models import EmailBounce

        recipients = [address.lower() for address in row.payload.get("to", [])]
        if EmailBounce.objects.filter(email__in=recipients).exists():
            return "the address bounced"
    return ""


def _message(payload: dict) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["body"],
        from_email=payload["from_email"],
        to=payload["to"],
        cc=payload["cc"],
        bcc=payload["bcc"],
        reply_to=payload["reply_to"],
        headers=payload["headers"],
        connection=get_connection(),
    )
    for content, mimetype in payload["alternatives"]:
        message.attach_alternative(content, mimetype)
    return message


def emails_send(*, keys: list[str], now=None) -> int:
    """Send each of ``keys`` that is still due at ``now`` (see ``email_send``); returns how many were sent."""
    return sum(email_send(key=key, now=now) for key in keys)


def emails_sweep(*, now=None) -> int:
    """Beat's safety net: send what waited (the broker was down, a worker died, SMTP failed), a
    batch at a time, oldest first. Fresh rows are left to the task their commit queued."""
    from partners.notifications.models import OutgoingEmail

    now = now or timezone.now()
    sent = 0
    while True:
        keys = list(
            OutgoingEmail.objects.filter(state=OutgoingEmail.State.PENDING, next_attempt_at__lte=now - SWEEP_GRACE)
            .order_by("next_attempt_at", "id")
            .values_list("key", flat=True)[:SWEEP_BATCH]
        )
        if not keys:
            return sent
        sent += emails_send(keys=keys, now=now)
        if len(keys) < SWEEP_BATCH:
            return sent


def emails_prune(*, now=None) -> int:
    """Nightly: delete e-mails that were sent, suppressed or given up more than
    NOTIFICATIONS_EMAIL_RETENTION_DAYS ago, a batch at a time (their payloads hold links such as
    password resets that need not be kept); pending ones are never pruned. Returns how many went."""
    from partners.notifications.models import OutgoingEmail

    cutoff = (now or timezone.now()) - timedelta(days=settings.NOTIFICATIONS_EMAIL_RETENTION_DAYS)
    finished = OutgoingEmail.objects.exclude(state=OutgoingEmail.State.PENDING).filter(created_at__lt=cutoff)
    return delete_in_batches(finished)


def email_deliver(*, payload: dict) -> bool:
    """Send a serialised message once; returns False when it was already sent.

    For messages queued as a payload (before the OutgoingEmail rows): the row is written now,
    keyed by the payload's key, so a redelivered task finds it sent in PostgreSQL.
    """
    from partners.notifications.models import OutgoingEmail

    now = timezone.now()
    with transaction.atomic():
        OutgoingEmail.objects.bulk_create(
            [
                OutgoingEmail(
                    key=payload["key"],
                    payload=payload,
                    to=(payload["to"] or [""])[0][:254],
                    subject=str(payload["subject"])[:300],
                    created_at=now,
                    next_attempt_at=now,
                )
            ],
            ignore_conflicts=True,
        )
    return email_send(key=payload["key"])
