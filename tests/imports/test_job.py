"""The import job's steps on their own: a reader that hands over mid-file, chunks run twice or out
of order, two chunks reaching one stored partner, the watchdog and the nightly prune."""

import itertools
import os
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from partners.imports.models import Import, ImportChunk, ImportFile, ImportKey, ImportRow
from partners.imports.services import (
    MAX_ATTEMPTS,
    import_chunk,
    import_file_store,
    import_finish,
    import_read,
    import_start,
    imports_prune,
    imports_watch,
)
from partners.models import Partner
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_chunks(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_CHUNK_SIZE = 10


def _start(lines: list[str], actor, *, dry_run: bool = False) -> Import:
    content = ("external_id,name,website,type,country\n" + "\n".join(lines) + "\n").encode()
    stored = import_file_store(upload=SimpleUploadedFile("p.csv", content), kind="partners", actor=actor)
    return import_start(file=stored, actor=actor, dry_run=dry_run)


def _rows(n: int, prefix: str = "job") -> list[str]:
    return [f"{prefix}-{i},Partner {prefix} {i},https://{prefix}{i}.example,channel,DE" for i in range(n)]


def _chunks(run: Import) -> list[int]:
    return list(ImportChunk.objects.filter(run=run).order_by("index").values_list("pk", flat=True))


def test_a_reader_out_of_time_hands_over_and_the_next_goes_on_where_it_stopped(manager):
    # given: 35 rows, chunks of 10
    run = _start(_rows(35), manager)
    # when: the first reader has no time left after its first chunk; it queues the next reader
    # (run at once here, as the tests' Celery is eager)
    assert import_read(import_id=run.pk, slice_seconds=0) == "continued"
    # then: the next reader went on where the first stopped: every row in exactly one chunk, in order
    assert import_read(import_id=run.pk) == "busy"  # nothing left to read
    chunks = list(ImportChunk.objects.filter(run=run).order_by("index"))
    assert [c.first_row for c in chunks] == [2, 12, 22, 32]
    assert all(a.end == b.start for a, b in itertools.pairwise(chunks))
    for pk in _chunks(run):
        import_chunk(chunk_id=pk)
    assert import_finish(import_id=run.pk)
    run.refresh_from_db()
    assert (run.state, run.rows_done, run.created) == ("done", 35, 35)
    assert sorted(ImportRow.objects.filter(run=run).values_list("number", flat=True)) == list(range(2, 37))
    assert not ImportKey.objects.filter(run=run).exists()  # the reader's scratch keys are gone


def test_a_chunk_delivered_twice_writes_once_and_chunks_may_finish_in_any_order(manager):
    # given
    run = _start(_rows(25), manager)
    import_read(import_id=run.pk)
    chunks = _chunks(run)
    # when: the last chunk first, then every chunk, then every chunk again
    assert import_chunk(chunk_id=chunks[-1])
    assert not import_finish(import_id=run.pk)  # not every chunk is done yet
    for pk in chunks:
        import_chunk(chunk_id=pk)
    assert [import_chunk(chunk_id=pk) for pk in chunks] == [False] * len(chunks)
    # then
    assert import_finish(import_id=run.pk)
    assert not import_finish(import_id=run.pk)  # once
    assert Partner.objects.filter(external_id__startswith="job-").count() == 25
    assert ImportRow.objects.filter(run=run).count() == 25


def test_two_chunks_reaching_one_stored_partner_by_different_keys_write_it_once(manager):
    # given: a stored partner without external_id; row 2 names it by its exact name alone and row
    # 12, in the next chunk, by its website alone: keys the reader cannot tell are one partner
    PartnerFactory(name="Shared", website="https://shared.example", external_id=None, type="channel")
    lines = [
        ",Shared,,channel,DE",
        *_rows(9),
        ",Shared,https://www.shared.example/,channel,DE",
    ]
    run = _start(lines, manager)
    import_read(import_id=run.pk)
    # when: the second chunk runs first
    chunks = _chunks(run)
    for pk in reversed(chunks):
        import_chunk(chunk_id=pk)
    import_finish(import_id=run.pk)
    # then: one row matches it, the other is refused naming the first, and nothing was created for it
    rows = {row.number: row for row in ImportRow.objects.filter(run=run, number__in=[2, 12])}
    assert sorted(row.action for row in rows.values()) == ["error", "update"]
    (refused,) = [row for row in rows.values() if row.action == "error"]
    assert "also imports this partner" in refused.messages["name"][0]
    assert Partner.objects.filter(website__contains="shared.example").count() == 1


def test_the_watchdog_queues_again_what_no_worker_is_on_and_gives_up_on_a_chunk_that_keeps_failing(
    manager, django_capture_on_commit_callbacks
):
    # given: an import whose reader and chunks were lost (no worker ever took them)
    run = _start(_rows(15), manager)
    import_read(import_id=run.pk)
    later = timezone.now() + timedelta(minutes=10)
    # when: what it queues runs at once (eager), and so do their after-commit follow-ups
    with django_capture_on_commit_callbacks(execute=True):
        assert imports_watch(now=later) == {"queued": 1, "failed": 0}
    # then: eager workers ran what was queued: the import is done
    run.refresh_from_db()
    assert run.state == "done" and run.created == 15
    # given: another import with a chunk that failed MAX_ATTEMPTS times
    other = _start(_rows(5, prefix="bad"), manager)
    import_read(import_id=other.pk)
    ImportChunk.objects.filter(run=other).update(attempts=MAX_ATTEMPTS)
    # when
    assert imports_watch(now=timezone.now() + timedelta(minutes=10)) == {"queued": 0, "failed": 1}
    # then
    other.refresh_from_db()
    assert other.state == "failed" and "kept failing" in other.error
    assert not Partner.objects.filter(external_id__startswith="bad-").exists()


def test_the_nightly_prune_forgets_old_imports_with_their_rows_and_files(manager, settings):
    # given: an old import and a fresh one
    old = _start(_rows(3, prefix="old"), manager, dry_run=True)
    fresh = _start(_rows(3, prefix="new"), manager, dry_run=True)
    for run in (old, fresh):
        import_read(import_id=run.pk)
        for pk in _chunks(run):
            import_chunk(chunk_id=pk)
    old_file = old.file
    path = old_file.file.path
    Import.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=settings.IMPORT_RETENTION_DAYS + 1)
    )
    ImportFile.objects.filter(pk=old_file.pk).update(created_at=timezone.now() - timedelta(days=40))
    # when
    deleted = imports_prune()
    # then
    assert deleted == 3
    assert list(Import.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not ImportFile.objects.filter(pk=old_file.pk).exists()
    assert not os.path.exists(path)
    assert ImportRow.objects.filter(run=fresh).count() == 3
