"""A partner import on a real worker that is killed in the middle: no row lost, none written twice."""

import csv
import io
import os
import signal
import time
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count
from django.utils import timezone

from partners.imports.models import Import, ImportRow
from partners.imports.services import import_commit, import_file_store, import_start, imports_watch
from partners.models import Contact, Partner
from partners.outbox.models import Event
from prm.celery import app as celery_app
from tests.factories import UserFactory
from tests.fixtures.worker import wait_for

pytestmark = pytest.mark.worker
ROWS = 5000  # 50 chunks of 100 (IMPORT_CHUNK_SIZE of the worker's environment)


def _content() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["external_id", "name", "type", "country", "contact_name", "contact_email"])
    for index in range(ROWS):
        writer.writerow([f"w-{index}", f"Worker Partner {index}", "channel", "DE", f"C {index}", f"c{index}@w.example"])
    return buffer.getvalue().encode("utf-8")


def _finished(run_id: int) -> bool:
    return Import.objects.get(pk=run_id).is_finished


def _idle(worker) -> bool:
    """No task running or waiting on the worker (the events' fan-out ends after the import)."""
    inspect = celery_app.control.inspect(destination=[worker.name], timeout=1)
    active, reserved = inspect.active() or {}, inspect.reserved() or {}
    return bool(active) and not any(active.values()) and not any(reserved.values())


def test_an_import_survives_a_killed_worker_with_no_row_lost_or_doubled(worker):
    # given: a finished dry run of 5,000 new partners, each with a contact
    manager = UserFactory(role="manager")
    stored = import_file_store(upload=SimpleUploadedFile("partners.csv", _content()), kind="partners", actor=manager)
    dry_run = import_start(file=stored, actor=manager, dry_run=True)
    wait_for(lambda: _finished(dry_run.pk), timeout=120, what="the dry run")
    dry_run.refresh_from_db()
    assert (dry_run.state, dry_run.summary["create"]) == ("done", ROWS)
    # when: the import runs, and its pool process is killed with SIGKILL once chunks are flowing
    run = import_commit(import_id=dry_run.pk, actor=manager)
    wait_for(lambda: Import.objects.get(pk=run.pk).rows_done >= 300, timeout=60, what="the first chunks")
    victims = worker.pool_processes()
    assert victims
    os.kill(victims[0], signal.SIGKILL)
    killed_at = Import.objects.get(pk=run.pk)
    assert not killed_at.is_finished and killed_at.rows_done < ROWS, "the import ended before the kill"
    # then: the message is delivered again (acks late); if not, the watchdog starts the import again
    deadline = time.monotonic() + 60
    while not _finished(run.pk) and time.monotonic() < deadline:
        time.sleep(0.2)
    if not _finished(run.pk):
        imports_watch(now=timezone.now() + timedelta(minutes=10))
    wait_for(lambda: _finished(run.pk), timeout=120, what="the import to finish")
    run.refresh_from_db()
    assert run.state == "done", run.error
    assert run.rows_done == run.rows_total == ROWS
    assert run.summary == {"create": ROWS, "update": 0, "unchanged": 0, "error": 0}
    expected_ids = {f"w-{index}" for index in range(ROWS)}
    partners = Partner.objects.filter(external_id__startswith="w-")
    assert set(partners.values_list("external_id", flat=True)) == expected_ids
    assert partners.count() == ROWS
    numbers = list(ImportRow.objects.filter(run=run).values_list("number", flat=True))
    assert sorted(numbers) == list(range(2, ROWS + 2))
    contacts = Contact.objects.filter(partner__external_id__startswith="w-")
    assert contacts.count() == ROWS
    assert not contacts.values("partner").annotate(n=Count("id")).filter(n__gt=1).exists()
    entries = [e for batch in Event.objects.filter(type="import.rows") for e in batch.data["rows"]]
    assert sorted(e["row"] for e in entries) == list(range(2, ROWS + 2))  # every row once in the events
    assert {e["partner"]["id"] for e in entries} == set(partners.values_list("pk", flat=True))
    assert all(e["action"] == "create" and "contact" in e for e in entries)
    assert Event.objects.filter(type="import.finished", object_id=str(run.pk)).count() == 1
    log = worker.log()
    assert "WorkerLostError" in log or "SIGKILL" in log or "signal 9" in log
    # the worker goes on fanning out the events: let it finish before the tables are emptied
    wait_for(lambda: _idle(worker) and _idle(worker), timeout=120, interval=1, what="the worker to be idle")
