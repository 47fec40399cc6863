"""Imports: store an upload, start a dry run or an import, commit a dry run, and the job that works
through the rows.

Delivery of the job is at least once and a worker may die at any point, so: one worker at a time
holds an import (a session advisory lock, released by PostgreSQL when the worker's connection
dies); each chunk's writes, its report rows and the import's progress (rows done, the byte offset
where the next chunk starts) commit in one transaction; the next worker starts at that offset.
No row is written twice and none is skipped.
"""

from __future__ import annotations

import json
import logging
import os
import time
from datetime import timedelta

from django.conf import settings
from django.core.files import File
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone
from psycopg2.extras import Json

from partners.imports.events import import_finished_event
from partners.imports.files import FileProblem, column_name, inspect_upload, read_records
from partners.imports.kinds import ParsedRow, kind_get
from partners.imports.kinds.base import CellError
from partners.imports.mapping import mapping_errors, mapping_guess, mapping_remember
from partners.imports.models import Import, ImportFile, ImportRow
from partners.models import Activity, Contact, Partner
from prm.broker import enqueue, enqueue_on_commit
from prm.db import analyze, delete_in_batches, insert_rows
from prm.errors import Conflict, FieldErrors

logger = logging.getLogger(__name__)
State = Import.State
LOCK_NAMESPACE = 0x696D70  # "imp": pg_try_advisory_lock(namespace, import id)
# a job hands over to a fresh task after this long, well inside Celery's soft time limit
SLICE_SECONDS = 120
STALE_AFTER = timedelta(minutes=2)
MAX_ATTEMPTS = 5
ROW_ERRORS = "row"  # the key of messages about a row as a whole

# sent after an import committed, with the ids of the partners it created or changed; programs
# re-evaluates them in one run per strategy instead of one per partner
partners_imported = Signal()


class ImportNotReady(Conflict):
    code = "import_not_committable"


def import_file_store(*, upload, kind: str, actor) -> ImportFile:
    """Check and keep an uploaded CSV (FieldErrors on ``file`` or ``kind`` when it cannot be used)."""
    if kind_get(kind) is None:
        raise FieldErrors({"kind": [f"Unknown kind “{kind}”."]})
    try:
        inspected = inspect_upload(upload)
    except FileProblem as exc:
        raise FieldErrors({"file": [str(exc)]}) from exc
    try:
        stored = ImportFile(
            kind=kind,
            name=os.path.basename(getattr(upload, "name", "") or "upload.csv")[:255],
            size=inspected.size,
            sha256=inspected.sha256,
            encoding=inspected.encoding,
            delimiter=inspected.delimiter,
            header=[name[:200] for name in inspected.header],
            created_by=actor,
        )
        with open(inspected.path, "rb") as handle:
            stored.file.save(f"{timezone.now():%Y%m%d%H%M%S}-{kind}.csv", File(handle), save=False)
        stored.save()
    finally:
        os.unlink(inspected.path)
    stored.rows = inspected.rows  # for the caller: the import records it
    stored.blank_rows = inspected.blank_rows
    return stored


def import_start(
    *, file: ImportFile, actor, dry_run: bool = True, mapping: dict | None = None, rows_total: int | None = None
) -> Import:
    """Queue a dry run or an import of a stored file with ``mapping`` (column → field), or the
    guessed one when None. A mapping a person gave is remembered for the next file with these
    headers. FieldErrors on ``mapping`` when it cannot be used."""
    kind = kind_get(file.kind)
    given = mapping is not None
    if not given:
        mapping = mapping_guess(kind=kind, header=file.header)
    errors = mapping_errors(kind=kind, header=file.header, mapping=mapping)
    if errors:
        raise FieldErrors({"mapping": errors})
    mapping = {column: field for column, field in mapping.items() if field}
    with transaction.atomic():
        if given:
            mapping_remember(kind=kind, mapping={c: (mapping.get(c) or "") for c in file.header if c})
        run = Import.objects.create(
            file=file,
            kind=file.kind,
            dry_run=dry_run,
            mapping=mapping,
            rows_total=rows_total if rows_total is not None else getattr(file, "rows", None),
            created_by=actor if actor is not None and actor.pk else None,
        )
        _queue(run.pk)
    return run


def import_commit(*, import_id: int, actor) -> Import:
    """Run a finished dry run for real: a new import of the same file and mapping (202 in the API).
    Committing one dry run twice gives the first commit back, not a second import."""
    with transaction.atomic():
        source = Import.objects.select_for_update().select_related("file").get(pk=import_id)
        if not source.dry_run or source.state != State.DONE:
            raise ImportNotReady("Only a finished dry run can be committed.")
        existing = source.commits.order_by("pk").first()
        if existing is not None:
            return existing
        run = Import.objects.create(
            file=source.file,
            kind=source.kind,
            dry_run=False,
            mapping=source.mapping,
            rows_total=source.rows_total,
            source=source,
            created_by=actor if actor is not None and actor.pk else None,
        )
        _queue(run.pk)
    return run


def _queue(import_id: int) -> None:
    from partners.imports.tasks import import_run_task  # tasks import the services

    enqueue_on_commit(import_run_task, import_id)  # without the broker, imports_watch starts it


# --- the job --------------------------------------------------------------------------------


class _Held:
    """The import's session advisory lock, held while this worker works on it."""

    def __init__(self, import_id: int) -> None:
        self.import_id = import_id

    def __enter__(self) -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, self.import_id])
            self.held = cursor.fetchone()[0]
        return self.held

    def __exit__(self, *exc) -> None:
        if self.held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, self.import_id])


def import_run(*, import_id: int, slice_seconds: float = SLICE_SECONDS) -> str:
    """Work through an import's rows a chunk at a time from where it stands; returns "done",
    "failed", "continued" (handed over to a new task after ``slice_seconds``) or "busy" (another
    worker holds it, or it is finished)."""
    with _Held(import_id) as held:
        if not held:
            return "busy"
        now = timezone.now()
        Import.objects.filter(pk=import_id, state=State.QUEUED).update(state=State.RUNNING, started_at=now)
        run = Import.objects.select_related("file", "created_by").get(pk=import_id)
        if run.state != State.RUNNING:
            return "busy"
        Import.objects.filter(pk=import_id).update(heartbeat_at=now, attempts=F("attempts") + 1)
        try:
            return _work(run, slice_seconds)
        except FileProblem as exc:
            _fail(run, str(exc))
            return "failed"
        except DatabaseError:
            if run.attempts + 1 >= MAX_ATTEMPTS:
                logger.exception("import %s failed %s times", import_id, MAX_ATTEMPTS)
                _fail(run, "The import kept failing; nothing of its unfinished chunk was written. See the worker logs.")
                return "failed"
            raise


def _work(run: Import, slice_seconds: float) -> str:
    kind = kind_get(run.kind)
    header = run.file.header
    by_name = {name: index for index, name in enumerate(header) if name}
    columns = [(by_name[column], kind.column(field)) for column, field in run.mapping.items() if column in by_name]
    started = time.monotonic()
    chunk_size = settings.IMPORT_CHUNK_SIZE
    with run.file.file.open("rb") as stored:
        records = read_records(stored, delimiter=run.file.delimiter, offset=run.resume_offset, number=run.resume_row)
        if run.resume_offset == 0:
            next(records, None)  # the header
        while True:
            batch, blank, end, number = [], 0, None, None
            for record in records:
                end, number = record.end, record.number + 1
                if record.cells:
                    batch.append(record)
                else:
                    blank += 1
                if len(batch) >= chunk_size:
                    break
            if end is None:
                _finish(run)
                return "done"
            parsed = [_parse(record, columns, len(header)) for record in batch]
            _chunk_commit(run, kind, parsed, blank=blank, end=end, number=number)
            if time.monotonic() - started > slice_seconds:
                _queue_now(run.pk)
                return "continued"


def _queue_now(import_id: int) -> None:
    from partners.imports.tasks import import_run_task

    enqueue(import_run_task, import_id)  # not taken: imports_watch starts it again


def _parse(record, columns, width: int) -> ParsedRow:
    values, errors = {}, {}
    cells = record.cells
    for index, column in columns:
        cell = cells[index] if index < len(cells) else ""
        if not cell.strip():
            continue
        try:
            values[column.field] = column.parse(cell)
        except CellError as exc:
            errors[column.field] = [str(exc)]
    if len(cells) > width and any(cell.strip() for cell in cells[width:]):
        errors[ROW_ERRORS] = [f"This row has {len(cells)} cells but the header names {width} columns."]
    return ParsedRow(number=record.number, values=values, errors=errors)


def _chunk_commit(run: Import, kind, parsed: list[ParsedRow], *, blank: int, end: int, number: int) -> None:
    """Decide (and for a real import, write) one chunk, with its report rows and the progress."""
    with transaction.atomic():
        results = kind.process(parsed, run=run, commit=not run.dry_run, actor=run.created_by) if parsed else []
        insert_rows(
            ImportRow,
            ["run_id", "number", "action", "key", "alt_key", "object_id", "label", "messages", "changes"],
            [
                (run.pk, r.number, r.action, r.key[:300], r.alt_key[:300], r.object_id, r.label[:200],
                 Json(r.messages), Json(r.changes, dumps=_dumps))
                for r in results
            ],
        )  # fmt: skip
        counts = dict.fromkeys(ImportRow.Action.values, 0)
        for result in results:
            counts[result.action] += 1
        Import.objects.filter(pk=run.pk).update(
            rows_done=F("rows_done") + len(parsed),
            blank_rows=F("blank_rows") + blank,
            resume_offset=end,
            resume_row=number,
            created=F("created") + counts["create"],
            updated=F("updated") + counts["update"],
            unchanged=F("unchanged") + counts["unchanged"],
            errors=F("errors") + counts["error"],
            heartbeat_at=timezone.now(),
        )


def _dumps(value) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder)


def _finish(run: Import) -> None:
    with transaction.atomic():
        if not Import.objects.filter(pk=run.pk, state=State.RUNNING).update(
            state=State.DONE, finished_at=timezone.now(), heartbeat_at=timezone.now()
        ):
            return
        run.refresh_from_db()
        import_finished_event(run)
        if not run.dry_run:
            transaction.on_commit(lambda: _after_commit(run.pk))


def _after_commit(import_id: int) -> None:
    """The planner learns of the new rows, and strategies look at the imported partners."""
    analyze(Partner, Contact, Activity)
    run = Import.objects.get(pk=import_id)
    if run.kind == "partners":
        changed = ImportRow.objects.filter(
            run_id=import_id, action__in=[ImportRow.Action.CREATE, ImportRow.Action.UPDATE]
        ).values_list("object_id", flat=True)
        partners_imported.send(sender=Import, partner_ids=list(changed))


def _fail(run: Import, message: str) -> None:
    with transaction.atomic():
        if Import.objects.filter(pk=run.pk, state__in=[State.QUEUED, State.RUNNING]).update(
            state=State.FAILED, error=message, finished_at=timezone.now()
        ):
            run.refresh_from_db()
            import_finished_event(run)


def imports_watch(*, now=None) -> int:
    """Start again the imports no worker is on: queued ones whose message was lost, running ones
    whose worker died (no heartbeat for STALE_AFTER). A second message is harmless (the lock)."""
    now = now or timezone.now()
    stale = Import.objects.filter(
        state=State.QUEUED, created_at__lt=now - timedelta(minutes=1)
    ) | Import.objects.filter(state=State.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
    from partners.imports.tasks import import_run_task

    return sum(1 for pk in stale.values_list("pk", flat=True) if enqueue(import_run_task, pk))


def imports_prune(*, now=None) -> int:
    """Delete imports (their report rows with them) and files older than IMPORT_RETENTION_DAYS."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.IMPORT_RETENTION_DAYS)
    deleted = 0
    for run_id in Import.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True):
        deleted += delete_in_batches(ImportRow.objects.filter(run_id=run_id))
        Import.objects.filter(pk=run_id).delete()
    for stored in ImportFile.objects.filter(created_at__lt=cutoff, imports__isnull=True).distinct():
        stored.file.delete(save=False)
        stored.delete()
    return deleted


__all__ = [
    "FileProblem",
    "column_name",
    "import_commit",
    "import_file_store",
    "import_run",
    "import_start",
    "imports_prune",
    "imports_watch",
    "partners_imported",
]
