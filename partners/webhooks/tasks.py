"""Thin entry points over partners.webhooks.sending, under stable names beat's schedules use."""

from celery import shared_task
from django.db import OperationalError

from partners.webhooks.sending import webhooks_send, webhooks_sweep


@shared_task(
    name="partners.webhooks.webhooks_send", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5
)
def webhooks_send_task() -> int:
    """After a fan-out or a redelivery: send what is due, batch after batch, until none is.
    Safe to run many at once (each claims its own batch with SKIP LOCKED)."""
    return webhooks_send()


@shared_task(name="partners.webhooks.webhooks_sweep")
def webhooks_sweep_task() -> int:
    """Every ten seconds: release leases of senders that died, send retries that came due."""
    return webhooks_sweep()
