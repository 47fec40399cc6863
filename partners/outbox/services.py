"""Record events with the change, fan them out after commit, sweep what was left behind."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone
from psycopg2.extras import Json

from partners.outbox.channels import channels
from partners.outbox.models import Event
from partners.outbox.types import event_type_exists
from prm.db import delete_in_batches, insert_rows

logger = logging.getLogger(__name__)

DISPATCH_BATCH = 500
# an event that keeps failing to fan out is given up after this many tries (and logged), so
# it cannot hold up every event behind it forever
DISPATCH_ATTEMPTS_MAX = 10
# one dispatcher at a time, so events are fanned out in id order (pg_advisory_xact_lock key)
DISPATCH_LOCK = 0x6F7574626F78  # "outbox"


@dataclass(frozen=True)
class EventDraft:
    """An event about to be recorded; ``data`` must already be plain JSON."""

    type: str
    object_type: str
    object_id: int | str
    partner_id: int | None
    data: dict


def event_record(
    *, type: str, object_type: str, object_id: int | str, partner_id: int | None, data: dict, actor=None
) -> Event:
    """Record that something happened, in the caller's transaction.

    The event exists exactly when the change it describes commits: a rollback takes it away
    too. After the commit a dispatcher is queued (a sweep catches it when the broker is down).
    """
    return events_record(
        [EventDraft(type=type, object_type=object_type, object_id=object_id, partner_id=partner_id, data=data)],
        actor=actor,
    )[0]


def events_record(drafts: Iterable[EventDraft], *, actor=None, returning: bool = True) -> list[Event]:
    """``event_record`` for many events with one INSERT (a strategy run's outcomes, an import).

    ``returning=False`` inserts plain rows and returns [], for writers of thousands of events that
    do not need the objects back.
    """
    now = timezone.now()
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    drafts = list(drafts)
    for draft in drafts:
        if not event_type_exists(draft.type):
            raise ValueError(f"unknown event type {draft.type!r}; register it first")
    if not drafts:
        return []
    if not returning:
        insert_rows(
            Event,
            ["uid", "type", "object_type", "object_id", "partner_id", "data", "actor_id", "created_at",
             "dispatch_attempts", "dispatch_error"],
            [
                (str(uuid.uuid4()), d.type, d.object_type, str(d.object_id), d.partner_id, Json(d.data, dumps=_dumps),
                 actor_id, now, 0, "")
                for d in drafts
            ],
        )  # fmt: skip
        _dispatch_after_commit()
        return []
    rows = [
        Event(
            type=draft.type,
            object_type=draft.object_type,
            object_id=str(draft.object_id),
            partner_id=draft.partner_id,
            data=draft.data,
            actor_id=actor_id,
            created_at=now,
        )
        for draft in drafts
    ]
    events = Event.objects.bulk_create(rows, batch_size=2000)
    _dispatch_after_commit()
    return events


def _dumps(value) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder)


def _dispatch_after_commit() -> None:
    """Queue one dispatcher per transaction, however many events it records."""
    if any(callback is _queue_dispatcher for _, callback, _ in connection.run_on_commit):
        return
    transaction.on_commit(_queue_dispatcher)


def _queue_dispatcher() -> None:
    from partners.outbox.tasks import outbox_dispatch_task  # tasks import the services
    from prm.broker import enqueue

    enqueue(outbox_dispatch_task)


def outbox_dispatch(
    *, batch: int = DISPATCH_BATCH, older_than: timedelta | None = None, retry_failed: bool = False
) -> int:
    """Fan out every event not fanned out yet, oldest first; returns how many were.

    One dispatcher runs at a time (a transaction-level advisory lock), so each object's events
    reach each channel in the order they happened; a dispatcher that finds the lock taken leaves
    at once, as the one holding it looks again for new events after each commit. A batch's
    fan-out rows and its ``dispatched_at`` commit together: an event is fanned out once, and a
    worker lost in the middle leaves the batch for the next dispatcher. Events whose fan-out
    failed before wait for the sweep (``retry_failed``), so one bad event cannot keep a
    dispatcher busy. ``older_than`` lets the sweep leave fresh events to their own dispatcher.
    """
    total = 0
    while True:
        pending = Event.objects.filter(dispatched_at__isnull=True)
        if not retry_failed:
            pending = pending.filter(dispatch_attempts=0)
        if older_than is not None:
            pending = pending.filter(created_at__lt=timezone.now() - older_than)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [DISPATCH_LOCK])
                if not cursor.fetchone()[0]:
                    return total
            events = list(pending.order_by("id")[:batch])
            if events:
                dispatched = _fan_out(events)
                Event.objects.filter(pk__in=[event.pk for event in dispatched]).update(dispatched_at=timezone.now())
                total += len(dispatched)
        # after the commit, so events committed while the lock was held (whose own dispatcher
        # found it taken and left) are seen here
        if not pending.exists():
            return total


def _fan_out(events: list[Event]) -> list[Event]:
    """Every channel's fan-out of the batch; on a failure, event by event, so one bad event
    delays only itself. Returns the events that are done (fanned out, or given up)."""
    try:
        with transaction.atomic():
            for _, fan_out in channels():
                fan_out(events)
        return events
    except Exception:
        logger.exception("fan-out of %d events failed; retrying them one by one", len(events))
    done = []
    for event in events:
        try:
            with transaction.atomic():
                for _, fan_out in channels():
                    fan_out([event])
            done.append(event)
        except Exception as exc:
            attempts = event.dispatch_attempts + 1
            given_up = attempts >= DISPATCH_ATTEMPTS_MAX
            logger.exception("fan-out of event %s failed (attempt %d)", event.pk, attempts)
            Event.objects.filter(pk=event.pk).update(dispatch_attempts=attempts, dispatch_error=str(exc)[:2000])
            if given_up:
                done.append(event)
    return done


def outbox_sweep() -> int:
    """Beat's safety net: fan out events whose own dispatcher never ran (broker down, worker
    killed). Fresh events are left to their dispatcher for a few seconds."""
    return outbox_dispatch(older_than=timedelta(seconds=settings.OUTBOX_SWEEP_GRACE_SECONDS), retry_failed=True)


def outbox_prune(*, now=None) -> int:
    """Delete fanned-out events older than OUTBOX_RETENTION_DAYS, a batch at a time so no
    long transaction holds the table; returns how many went. Channels' rows that reference
    an event decide themselves (deliveries cascade with it)."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    return delete_in_batches(Event.objects.filter(created_at__lt=cutoff, dispatched_at__isnull=False))
