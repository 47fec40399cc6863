"""Thin entry points over the notifications services, under stable names beat's schedules use."""

from celery import shared_task
from django.db import OperationalError

from partners.notifications.digest import digests_send
from partners.notifications.services import notifications_prune


@shared_task(
    name="partners.notifications.digests_send", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3
)
def digests_send_task() -> int:
    """Every hour: the daily digests of the users whose local time has reached their digest hour.
    Safe to run twice, or twice at once: each (user, local date) is claimed once."""
    return digests_send()


@shared_task(name="partners.notifications.notifications_prune")
def notifications_prune_task() -> int:
    """Nightly: forget notifications past their retention. Safe to run twice."""
    return notifications_prune()
