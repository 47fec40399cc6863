"""Background jobs of the registry: thin entry points over partners.services.

Each task is its service's name with ``_task``, registered under an explicit, stable name
(``partners.<service>``) that beat's stored schedules use, so moving code never orphans them.
"""

from celery import shared_task
from django.conf import settings

from partners.services import partners_mark_inactive


@shared_task(name="partners.partners_mark_inactive", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def partners_mark_inactive_task(days: int | None = None) -> int:
    """Nightly: active partners quiet for PARTNER_INACTIVITY_DAYS become inactive. Safe to run twice."""
    return len(partners_mark_inactive(days=days or settings.PARTNER_INACTIVITY_DAYS))
