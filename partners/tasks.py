"""Background jobs of the registry: thin entry points over partners.services."""

from celery import shared_task
from django.conf import settings

from partners.services import partners_mark_inactive


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def mark_inactive_partners(days: int | None = None) -> int:
    """Nightly: active partners quiet for PARTNER_INACTIVITY_DAYS become inactive. Safe to run twice."""
    return len(partners_mark_inactive(days=days or settings.PARTNER_INACTIVITY_DAYS))
