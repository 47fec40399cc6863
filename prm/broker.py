"""Queue background work without making the request depend on the broker.

A write needs PostgreSQL only: what a task would do is already recorded (an outbox event, a
run's chunks) and a periodic sweep picks it up, so a broker that is down or hung costs the
request nothing but a logged warning. After a failure the broker is not tried again for
``BROKER_RETRY_AFTER`` seconds, so a hung broker does not slow every request down.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

_unavailable_until = 0.0
_lock = threading.Lock()


def broker_marked_unavailable() -> bool:
    return time.monotonic() < _unavailable_until


def _mark_unavailable() -> None:
    global _unavailable_until
    with _lock:
        _unavailable_until = time.monotonic() + settings.BROKER_RETRY_AFTER


def enqueue(task, *args, countdown: int | None = None, **kwargs) -> bool:
    """Send ``task`` now; False (and a warning) when the broker cannot take it.

    Only for work that something else will redo when the message is lost: a sweep, a
    watchdog, the next change.
    """
    if broker_marked_unavailable():
        return False
    try:
        task.apply_async(args=args, kwargs=kwargs, countdown=countdown, retry=False)
        return True
    except Exception as exc:  # the broker's errors differ by transport; any means "not queued"
        _mark_unavailable()
        logger.warning("broker unavailable, %s left for the sweep: %s", task.name, exc)
        return False


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """``enqueue`` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: enqueue(task, *args, **kwargs))
