"""The daily digest: one e-mail per user per day of the user's calendar, at the user's hour.

Beat runs ``digests_send`` every hour. It finds the users with digest notifications waiting, and
for each whose local time has reached the digest hour and who has no digest for the local date
yet, claims a ``Digest`` row (INSERT … ON CONFLICT DO NOTHING on (user, local date)), attaches the
waiting notifications to it and queues one e-mail — all in one transaction. A second beat, a
retry or a concurrent worker finds the claim taken and sends nothing. A beat missed (beat down at
the hour) is caught up by the next one the same day. Nothing waiting → no digest, no e-mail.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from partners.models import Partner
from partners.notifications.categories import category_get
from partners.notifications.emails import digest_email
from partners.notifications.models import Delivery, Digest, EmailBounce, Notification, NotificationSchedule
from prm.mail import email_queue

logger = logging.getLogger(__name__)
User = get_user_model()
# a digest lists the newest this many of each category and counts the rest (a strategy run can
# leave a manager thousands of outcomes; the notification list has them all)
DIGEST_SHOWN = 20


def digests_send(*, now: datetime | None = None) -> int:
    """Send the digests due at ``now`` (default: the present); returns how many were sent."""
    now = now or timezone.now()
    waiting = set(
        Notification.objects.filter(delivery=Delivery.DIGEST, digest__isnull=True, created_at__lte=now)
        .values_list("user_id", flat=True)
        .distinct()
    )
    if not waiting:
        return 0
    schedules = {
        row.user_id: (row.digest_hour, row.time_zone)
        for row in NotificationSchedule.objects.filter(user_id__in=waiting)
    }
    default = (settings.NOTIFICATIONS_DIGEST_HOUR, settings.TIME_ZONE)
    zones: dict[str, datetime] = {}
    due = []
    for user_id in sorted(waiting):
        hour, zone = schedules.get(user_id, default)
        if zone not in zones:
            try:
                zones[zone] = now.astimezone(ZoneInfo(zone))
            except (KeyError, ValueError):
                zones[zone] = now.astimezone(ZoneInfo(settings.TIME_ZONE))
        local = zones[zone]
        if local.hour >= hour:
            due.append((user_id, local.date()))
    sent = 0
    for user_id, local_date in due:
        try:
            sent += digest_send(user_id=user_id, local_date=local_date, now=now)
        except Exception:  # one user's failure must not hold up everyone else's digest
            logger.exception("digest of user %s for %s failed", user_id, local_date)
    return sent


@transaction.atomic
def digest_send(*, user_id: int, local_date, now: datetime) -> bool:
    """Claim the (user, local date) digest and queue its e-mail; False when it was claimed
    already, when nothing waits, or when the login may not get mail (its waiting notifications
    then stay in-app only, attached to the claimed digest)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO notifications_digest (user_id, local_date, notification_count, created_at) "
            "VALUES (%s, %s, 0, %s) ON CONFLICT (user_id, local_date) DO NOTHING RETURNING id",
            [user_id, local_date, now],
        )
        row = cursor.fetchone()
    if row is None:
        return False
    digest_id = row[0]
    # one set-based claim of everything waiting, however much a busy day left
    count = Notification.objects.filter(
        user_id=user_id, delivery=Delivery.DIGEST, digest__isnull=True, created_at__lte=now
    ).update(digest_id=digest_id)
    if not count:
        transaction.set_rollback(True)  # nothing to say: no claim either, a later beat may find some
        return False
    Digest.objects.filter(pk=digest_id).update(notification_count=count)
    user = (
        User.objects.filter(pk=user_id)
        .values("email", "first_name", "last_name", "is_active", "is_staff", "partner_user__partner__status")
        .first()
    )
    if not _may_mail(user):
        return False
    totals = dict(
        Notification.objects.filter(digest_id=digest_id)
        .values_list("category")
        .annotate(total=Count("id"))
        .order_by("category")
    )
    groups = []
    for code, total in totals.items():
        shown = list(Notification.objects.filter(digest_id=digest_id, category=code).order_by("-id")[:DIGEST_SHOWN])
        groups.append((category_get(code) or _Unknown(code), shown, total))
    message = digest_email(
        to=user["email"],
        name=f"{user['first_name']} {user['last_name']}".strip() or user["email"],
        user_id=user_id,
        is_staff=user["is_staff"],
        groups=groups,
        count=count,
        local_date=local_date,
    )
    email_queue(message, key=f"digest:{digest_id}", category="digest", user_id=user_id)
    return True


def _may_mail(user: dict | None) -> bool:
    if user is None or not user["is_active"] or not user["email"]:
        return False
    if user["partner_user__partner__status"] == Partner.Status.TERMINATED:
        return False
    return not EmailBounce.objects.filter(email=user["email"].lower()).exists()


class _Unknown:
    """A category no longer registered: its notifications still appear, under their code."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.label = code.replace("_", " ").capitalize()
