"""Writes of the notifications app: reading, preferences, unsubscribing, bounces.

Each write concerns the actor's own rows only (a notification of another user is not found), so
none needs a lock beyond the UPDATE it is; preferences are upserts on (user, category).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from partners.notifications.categories import categories_for
from partners.notifications.emails import DIGEST
from partners.notifications.models import (
    Delivery,
    EmailBounce,
    Notification,
    NotificationPreference,
    NotificationSchedule,
)
from partners.notifications.selectors import preferences_of, time_zone_exists
from partners.notifications.unsubscribe import UnsubscribeToken
from prm.db import delete_in_batches
from prm.errors import DomainError


class UnsubscribeRefused(DomainError):
    status_code = 400


def notification_mark_read(*, notification_id: int, actor, read: bool = True) -> Notification:
    """Mark one of the actor's notifications read (or unread again). Notification.DoesNotExist for
    another user's, as for one that does not exist."""
    notification = Notification.objects.get(pk=notification_id, user_id=actor.pk)
    value = timezone.now() if read else None
    if notification.is_read != read:
        Notification.objects.filter(pk=notification.pk).update(read_at=value)
        notification.read_at = value
    return notification


def notifications_mark_all_read(*, actor) -> int:
    """Mark every unread notification of the actor read (one UPDATE); returns how many."""
    return Notification.objects.filter(user_id=actor.pk, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def preferences_update(
    *, actor, deliveries: dict[str, str] | None = None, digest_hour: int | None = None, time_zone: str | None = None
):
    """Set the actor's delivery per category (only categories that apply to the actor), and the
    digest hour and time zone. ValidationError naming the field for an unknown category, delivery,
    hour or zone; nothing is written then. Returns the new Preferences."""
    applicable = {category.code for category in categories_for(is_staff=actor.is_staff)}
    errors = {}
    for code, delivery in (deliveries or {}).items():
        if code not in applicable:
            errors[code] = f"Unknown category; yours are: {', '.join(sorted(applicable))}."
        elif delivery not in Delivery.values:
            errors[code] = f"Choose one of: {', '.join(Delivery.values)}."
    if digest_hour is not None and not (isinstance(digest_hour, int) and 0 <= digest_hour <= 23):
        errors["digest_hour"] = "Choose an hour from 0 to 23."
    if time_zone is not None and not time_zone_exists(time_zone):
        errors["time_zone"] = "Choose a time zone such as Europe/Berlin."
    if errors:
        raise ValidationError(errors)
    for code, delivery in (deliveries or {}).items():
        NotificationPreference.objects.update_or_create(user=actor, category=code, defaults={"delivery": delivery})
    if digest_hour is not None or time_zone is not None:
        current = preferences_of(user=actor)
        NotificationSchedule.objects.update_or_create(
            user=actor,
            defaults={
                "digest_hour": current.digest_hour if digest_hour is None else digest_hour,
                "time_zone": current.time_zone if time_zone is None else time_zone,
            },
        )
    return preferences_of(user=actor)


def unsubscribe_check(*, token: UnsubscribeToken | None, actor=None):
    """The login a signed unsubscribe token names, if the token is sound: UnsubscribeRefused for a
    forged or altered token, an unknown login or category, or a token of another login than the one
    logged in (a one-click POST from a mail client carries no session and is not refused)."""
    from django.contrib.auth import get_user_model

    if token is None:
        raise UnsubscribeRefused("This unsubscribe link is not valid: it was changed or cut short.", code="bad_token")
    user = get_user_model().objects.filter(pk=token.user_id).first()
    if user is None:
        raise UnsubscribeRefused("This unsubscribe link is not valid any more.", code="bad_token")
    if actor is not None and actor.is_authenticated and actor.pk != user.pk:
        raise UnsubscribeRefused(
            "This unsubscribe link belongs to another login. Log out, or change your own preferences.",
            code="other_user",
        )
    codes = {category.code for category in categories_for(is_staff=user.is_staff)}
    if token.category != DIGEST and token.category not in codes:
        raise UnsubscribeRefused("This unsubscribe link names no notifications of yours.", code="bad_token")
    return user


@transaction.atomic
def unsubscribe(*, token: UnsubscribeToken | None, actor=None) -> list[str]:
    """One click: turn off the category the token names (or, for a digest's link, every category
    the login receives by digest). Returns the codes turned off. Raises UnsubscribeRefused
    (see ``unsubscribe_check``); nothing changes then."""
    user = unsubscribe_check(token=token, actor=actor)
    if token.category == DIGEST:
        codes = [choice.code for choice in preferences_of(user=user).choices if choice.delivery == Delivery.DIGEST]
    else:
        codes = [token.category]
    for code in codes:
        NotificationPreference.objects.update_or_create(user=user, category=code, defaults={"delivery": Delivery.OFF})
    return codes


def email_bounce_record(
    *, email: str, actor, reason: str = "", source: str = EmailBounce.Source.ADMIN
) -> tuple[EmailBounce, bool]:
    """Record that mail to ``email`` bounced: notification mail to it stops, queued mail included
    (checked again when sent). Recording an address twice keeps the first row and its date; the
    flag says whether this call created it (the unique address decides, under concurrency too)."""
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": "Enter a valid e-mail address."}) from None
    return EmailBounce.objects.get_or_create(
        email=email,
        defaults={"reason": reason[:300], "source": source, "recorded_by": actor if actor.is_authenticated else None},
    )


def notifications_prune(*, now=None) -> int:
    """Nightly: delete notifications older than NOTIFICATIONS_RETENTION_DAYS, a batch at a time so
    no long transaction holds the table; returns how many went. Their digests keep their counts."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.NOTIFICATIONS_RETENTION_DAYS)
    return delete_in_batches(Notification.objects.filter(created_at__lt=cutoff))
