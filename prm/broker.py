"""Queue background work without making the request depend on the broker.

A write needs PostgreSQL only: what a task would do is already recorded (an outbox event, a
queued run, a run's chunks) and a periodic sweep or watchdog picks it up, so a broker that is
down or hung costs the request nothing but a logged warning. Web processes publish once, without
retries, and give up after ``REDIS_TIMEOUT`` (the CELERY_BROKER_TRANSPORT_OPTIONS of the
settings), whether the broker refuses the connection or accepts it and never answers. After a
failure the broker is not tried again for ``BROKER_RETRY_AFTER`` seconds (prm/breaker.py), so a
hung broker costs one request a timeout, not every request.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction

from prm.breaker import breaker, redact

logger = logging.getLogger(__name__)


def broker_breaker():
    """The process's breaker of the broker."""
    from prm.celery import app

    return breaker(f"broker at {redact(str(app.conf.broker_url))}")


def broker_marked_unavailable() -> bool:
    return broker_breaker().is_open()


def enqueue(task, *args, countdown: int | None = None, **kwargs) -> bool:
    """Send ``task`` now; False (and a warning, once per outage) when the broker cannot take it.

    Only for work that something else will redo when the message is lost: a sweep, a
    watchdog, the next change.
    """
    if task.app.conf.task_always_eager:
        # tests run tasks in-process: there is no broker to lose, and a task's own error must
        # reach the test instead of passing for an outage
        task.apply_async(args=args, kwargs=kwargs, countdown=countdown)
        return True
    state = broker_breaker()
    if state.is_open():
        logger.debug("broker skipped, %s left for the sweep", task.name)
        return False
    try:
        task.apply_async(args=args, kwargs=kwargs, countdown=countdown, retry=False)
        return True
    except Exception as exc:  # the broker's errors differ by transport; any means "not queued"
        state.trip(
            exc, retry_after=settings.BROKER_RETRY_AFTER, consequence=f"{task.name} and others left for the sweep"
        )
        return False


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """``enqueue`` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: enqueue(task, *args, **kwargs))
