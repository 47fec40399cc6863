"""Reads for the notification pages and API: always the caller's own rows."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.db.models import QuerySet

from partners.notifications.categories import Category, categories_for
from partners.notifications.models import EmailBounce, Notification, NotificationPreference, NotificationSchedule


def notification_list(*, user, unread: bool = False) -> QuerySet[Notification]:
    """The user's notifications, newest first (an index walk of notification_user_recent);
    ``unread`` keeps the unread ones. Nobody reads another user's notifications, staff included."""
    if not (user.is_authenticated and user.is_active):
        return Notification.objects.none()
    rows = Notification.objects.filter(user_id=user.pk)
    if unread:
        rows = rows.filter(read_at__isnull=True)
    return rows.order_by("-id")


def notification_unread_count(*, user) -> int:
    """How many of the user's notifications are unread (the navbar badge): one indexed count."""
    return notification_list(user=user, unread=True).count()


@dataclass(frozen=True)
class CategoryChoice:
    category: Category
    delivery: str

    @property
    def code(self) -> str:
        return self.category.code


@dataclass(frozen=True)
class Preferences:
    """A user's notification settings: each applicable category's delivery (its default unless
    chosen), the digest hour and the time zone."""

    choices: list[CategoryChoice]
    digest_hour: int
    time_zone: str

    def as_dict(self) -> dict[str, str]:
        return {choice.code: choice.delivery for choice in self.choices}


def preferences_of(*, user) -> Preferences:
    """Two queries: the chosen deliveries and the digest schedule."""
    chosen = dict(NotificationPreference.objects.filter(user_id=user.pk).values_list("category", "delivery"))
    schedule = NotificationSchedule.objects.filter(user_id=user.pk).first()
    return Preferences(
        choices=[
            CategoryChoice(category=category, delivery=chosen.get(category.code, category.default))
            for category in categories_for(is_staff=user.is_staff)
        ],
        digest_hour=schedule.digest_hour if schedule else settings.NOTIFICATIONS_DIGEST_HOUR,
        time_zone=schedule.time_zone if schedule else settings.TIME_ZONE,
    )


def time_zone_names() -> list[str]:
    """Every IANA time zone name this machine knows, sorted."""
    return sorted(available_timezones())


def time_zone_exists(name: str) -> bool:
    if name not in available_timezones():
        return False
    try:
        ZoneInfo(name)
    except (KeyError, ValueError):
        return False
    return True


def email_bounce_list(*, user) -> QuerySet[EmailBounce]:
    """Bounced addresses: administrators only (an explicit staff-only rule), newest first."""
    if not (user.is_authenticated and user.is_active and user.is_superuser):
        return EmailBounce.objects.none()
    return EmailBounce.objects.select_related("recorded_by").order_by("-recorded_at", "-id")
