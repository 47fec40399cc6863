"""Imports: store an upload, start a dry run or an import, commit a dry run, and the job that works
through the rows.

A reader splits the file into chunks, and workers process the chunks in parallel. Delivery is at
least once and a worker may die at any point, so: one worker at a time reads an import (a
session advisory lock, released by PostgreSQL when the worker's connection dies), and the
chunk it found, its rows' keys and the reader's place commit together; a chunk is processed
under its row lock, its writes, report rows and counts committing with its "done"; the last one
queues the finish, which happens once. No row is written twice and none is skipped.
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
from django.db.models import F, Q
from django.dispatch import Signal
from django.utils import timezone
from psycopg2.extras import Json

from partners.imports.events import import_finished_event
from partners.imports.files import FileProblem, column_name, inspect_upload, read_records
from partners.imports.kinds import ParsedRow, kind_get
from partners.imports.kinds.base import CellError
from partners.imports.mapping import mapping_errors, mapping_guess, mapping_remember
from partners.imports.models import Import, ImportChunk, ImportFile, ImportKey, ImportRow
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
            rows=inspected.rows,
            blank_rows=inspected.blank_rows,
            created_by=actor,
        )
        with open(inspected.path, "rb") as handle:
            stored.file.save(f"{timezone.now():%Y%m%d%H%M%S}-{kind}.csv", File(handle), save=False)
        stored.save()
    finally:
        os.unlink(inspected.path)
    return stored


def import_start(*, file: ImportFile, actor, dry_run: bool = True, mapping: dict | None = None) -> Import:
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
            rows_total=file.rows,
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
    enqueue_on_commit(_task("read"), import_id)  # without the broker, imports_watch starts it


# --- the job --------------------------------------------------------------------------------


class _Held:
    """The import's session advisory lock, held while this worker reads its file."""

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


def import_read(*, import_id: int, slice_seconds: float = SLICE_SECONDS) -> str:
    """Split the file into chunks from where the reader stands, queueing each for a worker.

    Only the key columns are parsed here (an external_id, a website, a name), to find rows that
    name a record an earlier row already named; the chunks do the rest in parallel. Returns
    "read", "continued" (handed over to a new task after ``slice_seconds``), "failed" or "busy"
    (another worker reads it, or it is not running)."""
    with _Held(import_id) as held:
        if not held:
            return "busy"
        now = timezone.now()
        Import.objects.filter(pk=import_id, state=State.QUEUED).update(state=State.RUNNING, started_at=now)
        run = Import.objects.select_related("file").get(pk=import_id)
        if run.state != State.RUNNING or run.read_at is not None:
            return "busy"
        Import.objects.filter(pk=import_id).update(heartbeat_at=now)
        try:
            result = _read(run, slice_seconds)
        except FileProblem as exc:
            _fail(run, str(exc))
            return "failed"
    if result == "continued":  # after the lock is released, so the next reader can take it
        _queue_now("read", import_id)
    return result


def _columns(run: Import, kind, fields=None) -> list:
    by_name = {name: index for index, name in enumerate(run.file.header) if name}
    return [
        (by_name[column], kind.column(field))
        for column, field in run.mapping.items()
        if column in by_name and (fields is None or field in fields)
    ]


def _read(run: Import, slice_seconds: float) -> str:
    kind = kind_get(run.kind)
    columns = _columns(run, kind, kind.key_fields)
    width = len(run.file.header)
    started, size = time.monotonic(), settings.IMPORT_CHUNK_SIZE
    with run.file.file.open("rb") as stored:
        records = read_records(stored, delimiter=run.file.delimiter, offset=run.resume_offset, number=run.resume_row)
        if run.resume_offset == 0:
            header = next(records, None)
            run.resume_offset, run.resume_row = header.end, header.number + 1
        while True:
            start, first_row, rows, blank, end, number = run.resume_offset, run.resume_row, [], 0, None, None
            for record in records:
                end, number = record.end, record.number + 1
                if record.cells:
                    rows.append(_parse(record, columns, width))
                else:
                    blank += 1
                if len(rows) >= size:
                    break
            if end is None:
                break
            _chunk_plan(run, kind, rows, start=start, end=end, first_row=first_row, blank=blank)
            run.resume_offset, run.resume_row = end, number
            if time.monotonic() - started > slice_seconds:
                return "continued"
    with transaction.atomic():
        Import.objects.filter(pk=run.pk).update(read_at=timezone.now(), heartbeat_at=timezone.now())
        enqueue_on_commit(_task("finish"), run.pk)
    return "read"


# rows read before with any of these keys (two index scans; the arrays are bound, not inlined)
EARLIER_KEYS = """
SELECT key, alt_key, number FROM imports_importkey WHERE run_id = %s AND key = ANY(%s)
UNION ALL
SELECT key, alt_key, number FROM imports_importkey WHERE run_id = %s AND alt_key = ANY(%s) AND alt_key <> ''
ORDER BY number
"""


def _chunk_plan(run: Import, kind, rows: list[ParsedRow], *, start: int, end: int, first_row: int, blank: int) -> None:
    """Record the chunk, its rows' keys and the duplicates among them, and the reader's place,
    in one transaction; queue the chunk after it commits."""
    keyed = []
    for row in rows:
        key, alt_key = ("", "") if row.errors else kind.row_keys(row.values)
        if key:
            keyed.append((row.number, key[:300], alt_key[:300]))
    keys = {key for _, key, _ in keyed}
    alts = {alt for _, _, alt in keyed if alt}
    first_key: dict[str, int] = {}
    first_alt: dict[str, int] = {}
    if keyed:
        with connection.cursor() as cursor:
            cursor.execute(EARLIER_KEYS, [run.pk, list(keys | alts), run.pk, list(keys)])
            for key, alt_key, number in cursor.fetchall():
                first_key.setdefault(key, number)
                if alt_key:
                    first_alt.setdefault(alt_key, number)
    duplicates, fresh = {}, []
    for number, key, alt_key in keyed:
        same = first_key.get(key) or first_alt.get(key) or (first_key.get(alt_key) if alt_key else None)
        if same is not None:
            name = kind.key_names.get(key.split(":", 1)[0], "")
            if first_key.get(key) is None and first_alt.get(key) is None:
                name = kind.key_names.get(alt_key.split(":", 1)[0], name)
            duplicates[str(number)] = [name, same]
            continue
        first_key.setdefault(key, number)
        if alt_key:
            first_alt.setdefault(alt_key, number)
        fresh.append((run.pk, key, alt_key, number))
    with transaction.atomic():
        insert_rows(ImportKey, ["run_id", "key", "alt_key", "number"], fresh)
        chunk = ImportChunk.objects.create(
            run=run, index=run.chunks_total, start=start, end=end, first_row=first_row, duplicates=duplicates
        )
        Import.objects.filter(pk=run.pk).update(
            resume_offset=end,
            resume_row=first_row + len(rows) + blank,
            chunks_total=F("chunks_total") + 1,
            blank_rows=F("blank_rows") + blank,
            heartbeat_at=timezone.now(),
        )
        run.chunks_total += 1
        enqueue_on_commit(_task("chunk"), chunk.pk)


def import_chunk(*, chunk_id: int) -> bool:
    """Process one chunk: parse its rows, decide each (and for a real import, write it), with the
    report rows and the counts, in one transaction. False when it was done already, or another
    worker has it. The last chunk of a fully read import queues the finish. A failure rolls the
    chunk back whole and counts an attempt (imports_watch gives up after MAX_ATTEMPTS)."""
    try:
        return _chunk_process(chunk_id)
    except DatabaseError:
        ImportChunk.objects.filter(pk=chunk_id).update(attempts=F("attempts") + 1)
        raise


def _chunk_process(chunk_id: int) -> bool:
    with transaction.atomic():
        chunk = ImportChunk.objects.select_for_update(skip_locked=True).filter(pk=chunk_id).first()
        if chunk is None or chunk.state == ImportChunk.State.DONE:
            return False
        run = Import.objects.select_related("file", "created_by").get(pk=chunk.run_id)
        if run.state != State.RUNNING:
            return False
        kind = kind_get(run.kind)
        rows = _chunk_rows(run, kind, chunk)
        results = kind.process(rows, run=run, commit=not run.dry_run, actor=run.created_by) if rows else []
        insert_rows(
            ImportRow,
            ["run_id", "number", "action", "object_id", "label", "messages", "changes"],
            [
                (run.pk, r.number, r.action, r.object_id, r.label[:200], Json(r.messages),
                 Json(r.changes, dumps=_dumps))
                for r in results
            ],
        )  # fmt: skip
        counts = dict.fromkeys(ImportRow.Action.values, 0)
        for result in results:
            counts[result.action] += 1
        ImportChunk.objects.filter(pk=chunk.pk).update(
            state=ImportChunk.State.DONE, finished_at=timezone.now(), attempts=F("attempts") + 1
        )
        Import.objects.filter(pk=run.pk).update(
            rows_done=F("rows_done") + len(rows),
            chunks_done=F("chunks_done") + 1,
            created=F("created") + counts["create"],
            updated=F("updated") + counts["update"],
            unchanged=F("unchanged") + counts["unchanged"],
            errors=F("errors") + counts["error"],
            heartbeat_at=timezone.now(),
        )
        read_at, done, total = (
            Import.objects.filter(pk=run.pk).values_list("read_at", "chunks_done", "chunks_total").get()
        )
        if read_at is not None and done >= total:
            enqueue_on_commit(_task("finish"), run.pk)
    return True


def _chunk_rows(run: Import, kind, chunk: ImportChunk) -> list[ParsedRow]:
    """The chunk's data rows, every mapped column parsed, duplicates marked as the reader found them."""
    columns = _columns(run, kind)
    width = len(run.file.header)
    rows = []
    with run.file.file.open("rb") as stored:
        for record in read_records(stored, delimiter=run.file.delimiter, offset=chunk.start, number=chunk.first_row):
            if record.end > chunk.end:
                break
            if record.cells:
                row = _parse(record, columns, width)
                duplicate = chunk.duplicates.get(str(record.number))
                if duplicate and not row.errors:
                    name, first = duplicate
                    row.errors[name or ROW_ERRORS] = [
                        f"Row {first} of this file is the same {kind.object_label}"
                        + (f" (same {kind.key_labels.get(name, name)})." if name else ".")
                    ]
                rows.append(row)
            if record.end == chunk.end:
                break
    return rows


def _task(name: str):
    from partners.imports import tasks  # tasks import the services

    return {"read": tasks.import_read_task, "chunk": tasks.import_chunk_task, "finish": tasks.import_finish_task}[name]


def _queue_now(name: str, object_id: int) -> None:
    enqueue(_task(name), object_id)  # not taken: imports_watch queues it again


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


def _dumps(value) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder)


def import_run(*, import_id: int) -> str:
    """The whole import in this process: read, every chunk, finish (tools and tests; the workers
    share the same steps through their tasks). Returns the final state."""
    import_read(import_id=import_id, slice_seconds=float("inf"))
    for chunk_id in ImportChunk.objects.filter(run_id=import_id, state=ImportChunk.State.PENDING).values_list(
        "pk", flat=True
    ):
        import_chunk(chunk_id=chunk_id)
    import_finish(import_id=import_id)
    return Import.objects.values_list("state", flat=True).get(pk=import_id)


def import_finish(*, import_id: int) -> bool:
    """Mark a fully read and processed import done, once whoever calls it: the ``import.finished``
    event, the reader's scratch keys dropped, and after a real import the planner's statistics
    refreshed and the imported partners handed to their strategies."""
    with transaction.atomic():
        run = Import.objects.select_for_update(of=("self",)).select_related("file", "created_by").get(pk=import_id)
        if run.state != State.RUNNING or run.read_at is None or run.chunks_done < run.chunks_total:
            return False
        run.state, run.finished_at = State.DONE, timezone.now()
        run.save(update_fields=["state", "finished_at"])
        import_finished_event(run)
        ImportKey.objects.filter(run=run).delete()
        if not run.dry_run:
            transaction.on_commit(lambda: _after_commit(run.pk))
    return True


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


def imports_watch(*, now=None) -> dict[str, int]:
    """Queue again what no worker is on: the reader of an import queued or running without a
    heartbeat for STALE_AFTER, its pending chunks, its finish. A chunk that failed MAX_ATTEMPTS
    times fails the import (the chunks done stay done: each is whole). A second message is
    harmless (the reader's lock, the chunk's row lock, the finish's check)."""
    now = now or timezone.now()
    queued = failed = 0
    stale = Import.objects.filter(
        Q(state=State.QUEUED, created_at__lt=now - timedelta(minutes=1))
        | Q(state=State.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
    )
    for run in stale:
        pending = list(run.chunks.filter(state=ImportChunk.State.PENDING).values_list("pk", "attempts"))
        if any(attempts >= MAX_ATTEMPTS for _, attempts in pending):
            _fail(run, "A chunk of rows kept failing; the chunks before it were imported. See the worker logs.")
            failed += 1
            continue
        sent = [enqueue(_task("chunk"), pk) for pk, _ in pending]
        if run.read_at is None:
            sent.append(enqueue(_task("read"), run.pk))
        elif not pending:
            sent.append(enqueue(_task("finish"), run.pk))
        if any(sent):
            Import.objects.filter(pk=run.pk).update(heartbeat_at=now)
            queued += 1
    return {"queued": queued, "failed": failed}


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
    "import_chunk",
    "import_commit",
    "import_file_store",
    "import_finish",
    "import_read",
    "import_run",
    "import_start",
    "imports_prune",
    "imports_watch",
    "partners_imported",
]
