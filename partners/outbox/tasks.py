"""Thin entry points over partners.outbox.services, under stable names beat's schedules use."""

from celery import shared_task
from django.db import OperationalError

from partners.outbox.services import outbox_dispatch, outbox_prune, outbox_sweep


@shared_task(
    name="partners.outbox.outbox_dispatch", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5
)
def outbox_dispatch_task() -> int:
    """After a commit that recorded events: fan them out. Safe to run twice (the second finds none)."""
    return outbox_dispatch()


@shared_task(name="partners.outbox.outbox_sweep")
def outbox_sweep_task() -> int:
    """Every few seconds: fan out what no dispatcher took (the broker was down, a worker died)."""
    return outbox_sweep()


@shared_task(name="partners.outbox.outbox_prune")
def outbox_prune_task() -> int:
    """Nightly: forget fanned-out events past the retention."""
    return outbox_prune()
