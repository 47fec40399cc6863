"""How fast a large partner CSV is imported, and in how much worker memory: ``BENCH csv_import``.

``prm.bench`` runs this after its other workloads (``python -m prm.bench_imports [--rows N]`` runs
it alone with the environment's settings, against a migrated database with the demo logins). It
writes a CSV of ``--rows`` new partners (100,000 by default), one contact each, as a CRM export
would have them: an external id, company, website, type, country (code or English name), region
(code or name), industry (a vertical's name), status, contact name and e-mail, and the owner's
e-mail (a staff login). Every row creates a partner; none matches a stored one (their external ids
start ``BENCH-IMP-<run>-`` and their websites are their own), so the commit is all inserts.

The file is uploaded through ``import_file_store`` in this process (``upload_s``: the checks, the
re-encoding, the row count, the stored copy) and the guessed mapping is used. A Celery worker with
two processes, started here, runs a dry run (``dry_run_s``, from ``import_start`` until the import
reads ``done``) and then the commit of that dry run (``commit_s``; ``rows_per_s`` is rows over it).
The worker's pool processes are sampled every 0.2 s: ``worker_rss_mb`` is the largest resident
memory of one of them during the two; a dry run of a smaller file (10,000 rows, before the others)
shows that memory does not grow with the file: ``rss_growth_<rows>_mb`` is the peak of the process
that ran the job minus its memory just before the job started.

The targets are for 100,000 rows (scaled in proportion for another ``--rows``): a dry run within
20 s, a commit within 60 s, and worker memory flat in the file size. Afterwards the partners the
import created (their contacts and timeline rows go with them), their events, the imports and the
stored files are deleted, so the next run on the same database measures the same work.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
import unicodedata
from contextlib import suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROWS = 100_000
SMALL_ROWS = 10_000
WORKER_PROCESSES = 2
SEED = 11
PREFIX = "BENCH-IMP-"
POLL_SECONDS = 0.2
# the targets, for TARGET_ROWS rows
TARGET_ROWS = 100_000
TARGET_DRY_RUN_S = 20.0
TARGET_COMMIT_S = 60.0
# "flat": the large file's job may grow a worker by at most this much more than the small one's
FLAT_SLACK_MB = 20.0

HEADER = [
    "External ID", "Company", "Website", "Type", "Country", "Region", "Industry", "Status",
    "Contact name", "Contact e-mail", "Owner email",
]  # fmt: skip
WORDS = (
    "Alder", "Beacon", "Cobalt", "Delta", "Ember", "Fjord", "Granite", "Harbor", "Iris", "Juniper", "Kestrel",
    "Lumen", "Meridian", "Northwind", "Orchid", "Pioneer", "Quarry", "Riverside", "Summit", "Tidal", "Umber",
    "Vertex", "Willow", "Zephyr",
)  # fmt: skip
TRADES = ("Systems", "Analytics", "Consulting", "Networks", "Labs", "Solutions", "Partners", "Logistics", "Health")
TYPES = ("Channel", "technology", "Sales", "business", "Support", "FINANCIAL")
COUNTRIES = ("DE", "Germany", "FR", "France", "GB", "United States of America", "US", "NL", "Sweden", "JP", "BR")
REGIONS = ("EMEA", "Western Europe", "DACH", "NA; LATAM", "Nordics", "APAC", "Japan", "Global")
INDUSTRIES = (
    "Healthcare",
    "Financial services",
    "Manufacturing",
    "Retail",
    "Technology; Education",
    "Energy and utilities",
)
STATUSES = ("Prospect", "prospect", "Onboarding", "Active")
FIRST = ("Ana", "Ben", "Chloé", "David", "Eva", "Farid", "Greta", "Hiro", "Ines", "Jonas", "Kemal", "Lena", "Mia")
LAST = ("Alvarez", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "García", "Hansen", "Ito", "Jensen", "Kowalski")


def _ascii(name: str) -> str:
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()


def write_csv(path: Path, *, rows: int, run: str, owners: list[str], seed: int = SEED) -> None:
    """The rows, one at a time (the file is never held in memory); the same seed writes the same
    file but for the run stamp in the ids and websites."""
    chance = random.Random(seed)  # noqa: S311 (a bench file, not a secret)
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for number in range(1, rows + 1):
            name = f"{chance.choice(WORDS)} {chance.choice(WORDS)} {chance.choice(TRADES)} {number:06d}"
            host = f"{'www.' if number % 3 else ''}{name.lower().replace(' ', '-')}-{run.lower()}.example.com"
            first, last = chance.choice(FIRST), chance.choice(LAST)
            writer.writerow(
                [
                    f"{PREFIX}{run}-{number:06d}",
                    name,
                    host if number % 2 else f"https://{host}/",
                    chance.choice(TYPES),
                    chance.choice(COUNTRIES),
                    chance.choice(REGIONS),
                    chance.choice(INDUSTRIES),
                    chance.choice(STATUSES),
                    f"{first} {last}",
                    f"{_ascii(first)}.{_ascii(last)}@{host}",
                    owners[number % len(owners)],
                ]
            )


def _pool(worker) -> list:
    import psutil

    with suppress(psutil.NoSuchProcess):
        return psutil.Process(worker.pid).children()
    return []


def _rss_mb(process) -> float | None:
    import psutil

    try:
        return process.memory_info().rss / (1024 * 1024)
    except psutil.NoSuchProcess:
        return None


def _wait_for_pool(worker, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise SystemExit("bench: the Celery worker exited")
        if len(_pool(worker)) >= WORKER_PROCESSES:
            time.sleep(3)  # the pool processes connect to the broker
            return
        time.sleep(0.2)
    raise SystemExit("bench: the Celery worker's pool did not start")


def _watch(worker, start, *, timeout: float) -> dict:
    """Call ``start`` (it queues an import and returns it), then poll until the import is done,
    sampling the pool's memory: seconds, the import, the peak RSS and the largest growth over a
    process's RSS before the start."""
    from partners.imports.models import Import

    before = {process.pid: _rss_mb(process) for process in _pool(worker)}
    peak = dict(before)
    started = time.perf_counter()
    run = start()
    deadline = time.monotonic() + timeout
    while True:
        for process in _pool(worker):
            rss = _rss_mb(process)
            if rss is not None:
                peak[process.pid] = max(peak.get(process.pid) or 0, rss)
        state = Import.objects.filter(pk=run.pk).values_list("state", flat=True).get()
        if state in (Import.State.DONE, Import.State.FAILED):
            seconds = time.perf_counter() - started
            break
        if time.monotonic() > deadline:
            raise SystemExit(f"bench: import {run.pk} is still {state} after {timeout:.0f} s")
        if worker.poll() is not None:
            raise SystemExit(f"bench: the Celery worker exited (code {worker.returncode}) during import {run.pk}")
        time.sleep(POLL_SECONDS)
    run.refresh_from_db()
    if run.state != Import.State.DONE:
        raise SystemExit(f"bench: import {run.pk} failed: {run.error}")
    growth = max((peak[pid] - (before.get(pid) or peak[pid]) for pid in peak), default=0.0)
    return {"seconds": seconds, "run": run, "peak_mb": max(peak.values(), default=0.0), "growth_mb": growth}


def _check(run, rows: int) -> None:
    """Every row created (or, in a dry run, would be): anything else is a broken bench file."""
    if run.created == rows and run.rows_done == rows:
        return
    first = run.rows.exclude(action="create").order_by("number").first()
    detail = f"; row {first.number}: {first.action} {first.messages}" if first is not None else ""
    raise SystemExit(f"bench: import {run.pk} created {run.created} of {rows} rows{detail}")


def cleanup(imports=()) -> int:
    """Delete what bench imports left: their partners (contacts and timeline rows cascade), the
    partners' and the imports' events, the imports with their report rows, and the stored files."""
    from partners.imports.models import Import, ImportFile
    from partners.models import Partner
    from partners.outbox.models import Event
    from prm.db import delete_in_batches

    partners = Partner.objects.filter(external_id__startswith=PREFIX)
    delete_in_batches(Event.objects.filter(partner_id__in=partners.values("pk")))
    deleted = delete_in_batches(partners, batch=10_000)
    ids = [run.pk for run in imports]
    if ids:
        delete_in_batches(Event.objects.filter(object_type="import", object_id__in=[str(pk) for pk in ids]))
        files = list(ImportFile.objects.filter(imports__in=ids).distinct())
        Import.objects.filter(pk__in=ids).update(source=None)
        Import.objects.filter(pk__in=ids).delete()
        for stored in files:
            stored.file.delete(save=False)
            stored.delete()
    return deleted


def _upload(path: Path, actor):
    from django.core.files.uploadedfile import UploadedFile

    from partners.imports.services import import_file_store

    with open(path, "rb") as handle:
        upload = UploadedFile(handle, name="bench-partners.csv", content_type="text/csv", size=path.stat().st_size)
        started = time.perf_counter()
        stored = import_file_store(upload=upload, kind="partners", actor=actor)
        return stored, time.perf_counter() - started


def measure_imports(*, rows: int = ROWS, small: int = SMALL_ROWS, timeout: float | None = None) -> dict:
    """Run the workload in this (set-up) Django process; returns the figures it prints."""
    from django.contrib.auth import get_user_model

    from partners.imports.services import import_commit, import_start

    timeout = timeout or max(600.0, rows / 100)
    user_model = get_user_model()
    actor, _ = user_model.objects.get_or_create(
        username="bench-imports@openprm.local",
        defaults={"email": "bench-imports@openprm.local", "is_staff": True, "is_superuser": True},
    )
    owners = sorted(user_model.objects.filter(is_staff=True, is_active=True).values_list("email", flat=True))
    cleanup()  # what an interrupted run left
    run_stamp = time.strftime("%Y%m%d%H%M%S")
    folder = Path(tempfile.mkdtemp(prefix="bench-imports-"))
    imports, worker = [], None
    try:
        large_csv, small_csv = folder / "large.csv", folder / "small.csv"
        write_csv(large_csv, rows=rows, run=run_stamp, owners=owners)
        write_csv(small_csv, rows=small, run=run_stamp, owners=owners)
        size_mb = large_csv.stat().st_size / (1024 * 1024)
        large, upload_s = _upload(large_csv, actor)
        small_file, _ = _upload(small_csv, actor)
        # tasks an interrupted run left in the queue are not this run's to do
        subprocess.run([sys.executable, "-m", "celery", "-A", "prm", "purge", "-f"], cwd=ROOT, check=True)
        worker = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "celery", "-A", "prm", "worker", "--concurrency", str(WORKER_PROCESSES),
             "--loglevel", "WARNING", "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=os.environ.copy(),
        )  # fmt: skip
        _wait_for_pool(worker)

        def start(stored):
            run = import_start(file=stored, actor=actor, dry_run=True, mapping=None)
            imports.append(run)
            return run

        small_dry = _watch(worker, lambda: start(small_file), timeout=timeout)
        _check(small_dry["run"], small)
        dry = _watch(worker, lambda: start(large), timeout=timeout)
        _check(dry["run"], rows)

        def commit():
            run = import_commit(import_id=dry["run"].pk, actor=actor)
            imports.append(run)
            return run

        committed = _watch(worker, commit, timeout=timeout)
        _check(committed["run"], rows)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=60)
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()
        cleanup_started = time.perf_counter()
        cleaned = cleanup(imports)
        cleanup_s = time.perf_counter() - cleanup_started
    return {
        "rows": rows,
        "small_rows": small,
        "size_mb": size_mb,
        "upload_s": upload_s,
        "dry_run_s": dry["seconds"],
        "commit_s": committed["seconds"],
        "rows_per_s": rows / committed["seconds"],
        "worker_rss_mb": max(dry["peak_mb"], committed["peak_mb"]),
        "rss_small_mb": small_dry["peak_mb"],
        "rss_large_mb": max(dry["peak_mb"], committed["peak_mb"]),
        "rss_growth_small_mb": small_dry["growth_mb"],
        "rss_growth_large_mb": dry["growth_mb"],
        "rss_growth_commit_mb": committed["growth_mb"],
        "deleted": cleaned,
        "cleanup_s": cleanup_s,
    }


def _count(rows: int) -> str:
    """10000 → "10k", for the names of the memory figures."""
    return f"{rows // 1000}k" if rows % 1000 == 0 else str(rows)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m prm.bench_imports", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=ROWS, help="partner rows in the file (default 100,000)")
    parser.add_argument("--small-rows", type=int, default=None, help="rows of the smaller dry run (default 10,000)")
    args = parser.parse_args(argv)
    small = args.small_rows or max(1, min(SMALL_ROWS, args.rows // 2))

    import django

    django.setup()
    from django.conf import settings

    if settings.DEBUG:
        print("bench: DEBUG is on; the worker keeps every query and the figures are not comparable", flush=True)
    f = measure_imports(rows=args.rows, small=small)
    scale = args.rows / TARGET_ROWS
    dry_target, commit_target = TARGET_DRY_RUN_S * scale, TARGET_COMMIT_S * scale
    flat = f["rss_growth_large_mb"] <= f["rss_growth_small_mb"] + FLAT_SLACK_MB
    large, little = _count(f["rows"]), _count(f["small_rows"])

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    print(
        f"bench: CSV import of {f['rows']:,} partner rows with a contact each ({f['size_mb']:.1f} MB), "
        f"Celery worker with {WORKER_PROCESSES} processes; the {f['deleted']:,} imported partners deleted afterwards "
        f"in {f['cleanup_s']:.0f} s"
    )
    print(f"  upload:  {f['upload_s']:.1f} s (checks, re-encoding, row count, stored copy)")
    print(f"  dry run: {f['dry_run_s']:.1f} s  target ≤ {dry_target:.0f} s: {verdict(f['dry_run_s'] <= dry_target)}")
    print(
        f"  commit:  {f['commit_s']:.1f} s  {f['rows_per_s']:.0f} rows/s  target ≤ {commit_target:.0f} s: "
        f"{verdict(f['commit_s'] <= commit_target)}"
    )
    print(
        f"  memory:  peak {f['worker_rss_mb']:.0f} MB; growth {f['rss_growth_small_mb']:.0f} MB for {little} rows, "
        f"{f['rss_growth_large_mb']:.0f} MB for {large} (dry runs), {f['rss_growth_commit_mb']:.0f} MB committing "
        f"{large}; target flat (within {FLAT_SLACK_MB:.0f} MB): {verdict(flat)}"
    )
    print(
        f"BENCH csv_import rows={f['rows']} upload_s={f['upload_s']:.1f} dry_run_s={f['dry_run_s']:.1f} "
        f"commit_s={f['commit_s']:.1f} rows_per_s={f['rows_per_s']:.0f} worker_rss_mb={f['worker_rss_mb']:.0f} "
        f"rss_{little}_mb={f['rss_small_mb']:.0f} rss_{large}_mb={f['rss_large_mb']:.0f} "
        f"rss_growth_{little}_mb={f['rss_growth_small_mb']:.0f} rss_growth_{large}_mb={f['rss_growth_large_mb']:.0f} "
        f"target_dry_run_s={dry_target:.0f} target_commit_s={commit_target:.0f} workers={WORKER_PROCESSES}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prm.settings")
    sys.exit(main(sys.argv[1:]))
