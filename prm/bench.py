"""`make bench`: the partner list API under load, a cursor walk over every partner and the CSV
export of every partner, each next to its hand-written floor (prm.bench_floors); the six default
strategies run live by two Celery worker processes, the sales, channel and technology ones
reviewing the tier of every member of the demo programs; then the manager pages on the data the run
left (prm.bench_pages), 10,000 outbox events delivered to five webhook receivers
(prm.bench_webhooks), a CSV import of 100,000 new partners, dry run then commit, by two
Celery worker processes (prm.bench_imports), deal registrations by four clients against
10,000 and then 1,000,000 existing registrations (prm.bench_deals), and 10,000 new leads routed
among the active partners by the rules and the weighted round robin (prm.bench_leads).

Runs against its own database on the same server (``prm_bench`` for the default 100,000
partners, ``prm_bench_<N>`` for ``--partners N``), seeded once and reused by later runs, served
by gunicorn as in production; prints one ``BENCH`` line per workload.

    python -m prm.bench [--partners N] [--requests N] [--concurrency N] [--workers N] [--import-rows N]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PARTNERS = 100_000
IMPORT_ROWS = 100_000  # prm.bench_imports' default
WALK_PAGE_SIZE = 200
LIST_QUERY = "type=channel&region=EMEA&vertical=healthcare&page_size=50"

# --- the runner -----------------------------------------------------------------------


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _with_redis_db(url: str, db: int) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{db}"))


def bench_database(partners: int) -> str:
    return "prm_bench" if partners == DEFAULT_PARTNERS else f"prm_bench_{partners}"


def _create_database(base_url: str, name: str) -> None:
    import psycopg2

    parts = urlsplit(base_url)
    query = dict(pair.split("=", 1) for pair in parts.query.split("&") if pair)
    conn = psycopg2.connect(
        dbname="postgres", user=parts.username or "postgres", password=parts.password or None,
        host=query.get("host") or parts.hostname, port=parts.port,
    )  # fmt: skip
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def _manage(env: dict, *args: str, capture: bool = False) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, text=True,
        stdout=subprocess.PIPE if capture else None,
    )  # fmt: skip
    return result.stdout or ""


def _load(port: int, path: str, headers: dict, *, requests: int, concurrency: int) -> tuple[list[float], float]:
    """Send ``requests`` GETs from ``concurrency`` keep-alive connections; latencies in ms and wall time."""
    latencies: list[float] = []
    lock = threading.Lock()
    remaining = [requests]
    errors: list[str] = []

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while True:
            with lock:
                if remaining[0] == 0:
                    break
                remaining[0] -= 1
            started = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                errors.append(f"{response.status} for {path}")
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if errors:
        raise SystemExit(f"bench: {len(errors)} failed requests, first: {errors[0]}")
    return latencies, wall


def _get(conn: http.client.HTTPConnection, path: str, headers: dict) -> tuple[bytes, float]:
    started = time.perf_counter()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise SystemExit(f"bench: {response.status} for {path}: {body[:300]!r}")
    return body, (time.perf_counter() - started) * 1000


def _walk(port: int, path: str, headers: dict) -> tuple[int, int, float, str]:
    """Follow ``next`` from ``path`` to the end on one connection: pages, rows, wall seconds, last page."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    pages = rows = 0
    started = time.perf_counter()
    while True:
        body, _ = _get(conn, path, headers)
        page = json.loads(body)
        pages, rows = pages + 1, rows + len(page["results"])
        if page["next"] is None:
            conn.close()
            return pages, rows, time.perf_counter() - started, path
        path = urlsplit(page["next"])._replace(scheme="", netloc="").geturl()


def _repeat(port: int, path: str, headers: dict, times: int) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    latencies = [_get(conn, path, headers)[1] for _ in range(times)]
    conn.close()
    return latencies


def _download(port: int, path: str, headers: dict) -> tuple[int, float]:
    """Read a streamed CSV to its end: data rows and wall seconds."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    if response.status != 200:
        raise SystemExit(f"bench: {response.status} for {path}")
    lines = 0
    while chunk := response.read(1 << 16):
        lines += chunk.count(b"\n")
    conn.close()
    return lines - 1, time.perf_counter() - started


def _peak_rss_mb(master_pid: int) -> float:
    """The largest peak resident memory (VmHWM) of the gunicorn master's worker processes."""
    peaks = []
    for child in Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split():
        for line in Path(f"/proc/{child}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return max(peaks)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz/")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("bench: gunicorn did not start")


def _queries_per_request(env: dict, token: str) -> int:
    code = (
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "from django.test import Client\n"
        "from django.test.utils import CaptureQueriesContext\n"
        "client = Client(HTTP_HOST='127.0.0.1')\n"
        f"client.get('/api/v1/partners/?{LIST_QUERY}', HTTP_AUTHORIZATION='Token {token}')\n"
        "with CaptureQueriesContext(connection) as ctx:\n"
        f"    response = client.get('/api/v1/partners/?{LIST_QUERY}', HTTP_AUTHORIZATION='Token {token}')\n"
        "assert response.status_code == 200, response.status_code\n"
        "print(len(ctx.captured_queries))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, text=True, capture_output=True)
    return int(out.stdout.strip().splitlines()[-1])


STRATEGIES_SCRIPT = """
import time
import django
django.setup()
from django.db import connection
from django.test.utils import CaptureQueriesContext
from programs.strategies.models import RunChunk, Strategy, StrategyRun
from programs.strategies.services import chunk_evaluate, run_start

if {measure}:
    run = StrategyRun.objects.filter(dry_run=False, status="succeeded", trigger="manual").latest("finished_at")
    chunk = run.chunks.order_by("index").first()
    RunChunk.objects.filter(pk=chunk.pk).update(status="pending")
    StrategyRun.objects.filter(pk=run.pk).update(status="running", chunks_done=run.chunks_done - 1)
    with CaptureQueriesContext(connection) as captured:
        chunk_evaluate(chunk_id=chunk.pk)
    print(len(captured.captured_queries), len(chunk.partner_ids))
else:
    # runs left over from an interrupted bench would be reused instead of started
    StrategyRun.objects.filter(status__in=["queued", "running"]).update(status="cancelled")
    ids = [run_start(strategy_id=s.pk, actor=None, trigger="manual").pk for s in Strategy.objects.all()]
    while StrategyRun.objects.filter(pk__in=ids, status__in=["queued", "running"]).exists():
        time.sleep(0.2)
    runs = list(StrategyRun.objects.filter(pk__in=ids))
    wall = (max(r.finished_at for r in runs) - min(r.created_at for r in runs)).total_seconds()
    print(sum(r.partners_evaluated for r in runs), wall, ",".join(sorted({r.status for r in runs})),
          sum(r.outcomes_created for r in runs), ",".join(map(str, ids)))
"""


TIERS_SCRIPT = """
import django
django.setup()
from django.utils import timezone
from programs.strategies.models import StrategyRun
from programs.tiers.models import Membership
runs = [run for run in StrategyRun.objects.filter(pk__in=[{ids}]).select_related("version")
        if any(rule["kind"] == "tier_evaluation" for rule in run.version.rules)]
members = Membership.objects.filter(evaluated_on=timezone.localdate()).count()
wall = (max(r.finished_at for r in runs) - min(r.created_at for r in runs)).total_seconds()
states = {state: Membership.objects.filter(state=state).count() for state in ("ok", "grace", "proposed_downgrade")}
print(members, Membership.objects.count(), wall, len(runs), states["ok"], states["grace"], states["proposed_downgrade"])
"""


def _tier_evaluation(env: dict, run_ids: list[int]) -> tuple[int, int, float, str]:
    """The members the strategies run reviewed (every member: the bench clears the last review
    first) and the wall time of the runs that review tiers, which evaluate their other rules too."""
    out = subprocess.run([sys.executable, "-c", TIERS_SCRIPT.replace("{ids}", ",".join(map(str, run_ids)))],
                         cwd=ROOT, env=env, check=True, text=True, capture_output=True)  # fmt: skip
    members, total, wall, runs, ok, grace, proposed = out.stdout.split()
    return int(members), int(total), float(wall), f"{runs} runs; ok={ok} grace={grace} proposed_downgrade={proposed}"


def _strategies_workload(env: dict, workers: int, partners: int) -> tuple[int, float, int, int]:
    """All six default strategies live over the bench partners with ``workers`` worker processes."""
    # every member is due for review, as on the first run of a quarter (a re-run bench database
    # would otherwise find them reviewed today and skip them)
    _manage(env, "dbshell", "--", "-c", "UPDATE programs_membership SET evaluated_on = NULL")
    subprocess.run([sys.executable, "-m", "celery", "-A", "prm", "purge", "-f"], cwd=ROOT, env=env, check=True)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "prm", "worker", "--concurrency", str(workers), "--loglevel",
         "WARNING", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        run = subprocess.run(
            [sys.executable, "-c", STRATEGIES_SCRIPT.replace("{measure}", "False")],
            cwd=ROOT, env=env, text=True, capture_output=True, timeout=max(900, partners // 250),
        )  # fmt: skip
        if run.returncode:
            raise SystemExit(f"bench: the strategy runs failed:\n{run.stderr[-3000:]}")
    finally:
        worker.terminate()
        try:  # a warm shutdown waits for the task at hand, e.g. the outbox dispatch of the runs' events
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=30)
    evaluated, wall, statuses, created, run_ids = run.stdout.split()
    if statuses != "succeeded":
        raise SystemExit(f"bench: strategy runs ended {statuses}")
    measured = subprocess.run(
        [sys.executable, "-c", STRATEGIES_SCRIPT.replace("{measure}", "True")],
        cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": "tests.settings", "TEST_CELERY_EAGER": "true"},
        check=True, text=True, capture_output=True,
    )  # fmt: skip
    queries, chunk_size = measured.stdout.split()
    print(f"bench: {int(created):,} outcomes created; one chunk of {chunk_size} partners took {queries} queries")
    members, total, tier_wall, detail = _tier_evaluation(env, [int(pk) for pk in run_ids.split(",")])
    print(f"bench: tier reviews: {members:,} of {total:,} members reviewed by {detail}")
    print(
        f"BENCH tier_evaluation members={members} wall_s={tier_wall:.1f} members_per_s={members / tier_wall:.0f}",
        flush=True,
    )
    return int(evaluated), float(wall), int(queries), int(chunk_size)


SESSION_SCRIPT = """
from importlib import import_module
import django
django.setup()
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
user = get_user_model().objects.get(email="maria@openprm.local")
session = import_module(settings.SESSION_ENGINE).SessionStore()
session.update({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
                HASH_SESSION_KEY: user.get_session_auth_hash()})
session.create()
print(settings.SESSION_COOKIE_NAME + "=" + session.session_key)
"""


def _session_cookie(env: dict) -> str:
    """A logged-in manager's session, for the export page (the API uses the token)."""
    out = subprocess.run([sys.executable, "-c", SESSION_SCRIPT], cwd=ROOT, env=env, check=True, text=True,
                         capture_output=True)  # fmt: skip
    return out.stdout.strip().splitlines()[-1]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m prm.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--partners", type=int, default=DEFAULT_PARTNERS)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--strategy-workers", type=int, default=2, help="Celery worker processes for the run")
    parser.add_argument("--import-rows", type=int, default=IMPORT_ROWS, help="rows of the CSV import workload")
    args = parser.parse_args(argv)

    base_url = os.environ.get("DATABASE_URL")
    if not base_url:
        raise SystemExit("bench: run through `make bench` (it provides DATABASE_URL and REDIS_URL)")
    database = bench_database(args.partners)
    _create_database(base_url, database)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "prm.settings",
        "DATABASE_URL": _with_database(base_url, database),
        "REDIS_URL": _with_redis_db(os.environ["REDIS_URL"], 4),
        "SECRET_KEY": secrets.token_urlsafe(40),
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "MFA_REQUIRED_FOR_STAFF": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "API_THROTTLE_USER": "1000000/min",
        "BENCH_FLOOR": "true",
        "CONN_MAX_AGE": "600",
        "LOG_LEVEL": "WARNING",
        # the webhook receivers listen on loopback over plain HTTP
        "WEBHOOK_ALLOW_HTTP": "true",
        "WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
    }
    print(f"bench: database {database}, {args.partners:,} partners", flush=True)
    _manage(env, "migrate", "--noinput", "-v0")
    _manage(env, "demo_logins")
    started = time.perf_counter()
    # the database is the bench's own and seeded in one transaction: partners there mean it is done
    _manage(env, "seed_demo", "--partners", str(args.partners), "--seed", "7", "--if-empty")
    _manage(env, "seed_demo_programs", "--if-empty")
    print(f"bench: seeding took {time.perf_counter() - started:.1f} s (about 0 when already seeded)", flush=True)
    _manage(env, "dbshell", "--", "-c", "VACUUM ANALYZE")
    _manage(env, "collectstatic", "--noinput", "-v0")
    token = _manage(env, "api_token", "maria@openprm.local", "--name", "bench", "--expires-days", "1", capture=True)
    token = token.strip().splitlines()[-1]
    queries = _queries_per_request(env, token)
    cookie = _session_cookie(env)

    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "prm.wsgi:application", "--bind", f"127.0.0.1:{args.port}",
         "--workers", str(args.workers), "--timeout", "60", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        wait_for_port(args.port)
        api_headers = {"Authorization": f"Token {token}", "Host": "127.0.0.1"}
        api_path, floor_path = f"/api/v1/partners/?{LIST_QUERY}", "/bench/floor/partners/"
        for path in (api_path, floor_path):  # warm every worker
            _load(args.port, path, api_headers, requests=args.workers * 20, concurrency=args.concurrency)
        api, api_wall = _load(args.port, api_path, api_headers, requests=args.requests, concurrency=args.concurrency)
        floor, floor_wall = _load(args.port, floor_path, api_headers, requests=args.requests,
                                  concurrency=args.concurrency)  # fmt: skip

        walk_start = f"/api/v1/partners/?cursor=&page_size={WALK_PAGE_SIZE}"
        pages, walked, walk_wall, last_page = _walk(args.port, walk_start, api_headers)
        first_p50 = statistics.median(_repeat(args.port, walk_start, api_headers, 50))
        last_p50 = statistics.median(_repeat(args.port, last_page, api_headers, 50))
        floor_pages, floor_walked, floor_walk_wall, _ = _walk(args.port, "/bench/floor/partners/walk/", api_headers)
        if (floor_pages, floor_walked) != (pages, walked):
            raise SystemExit(f"bench: the walk floor read {floor_walked} rows, the API walk {walked}")

        csv_rows, csv_wall = _download(args.port, "/partners/export.csv", {"Cookie": cookie, "Host": "127.0.0.1"})
        csv_rss = _peak_rss_mb(server.pid)
        floor_csv_rows, floor_csv_wall = _download(args.port, "/bench/floor/partners.csv", api_headers)
        if csv_rows != floor_csv_rows:
            raise SystemExit(f"bench: the CSV floor wrote {floor_csv_rows} rows, the export {csv_rows}")
    finally:
        server.terminate()
        server.wait(timeout=30)

    p50, p95, rps = statistics.median(api), percentile(api, 95), len(api) / api_wall
    floor_p50, floor_p95, floor_rps = statistics.median(floor), percentile(floor, 95), len(floor) / floor_wall
    print(
        f"bench: GET /api/v1/partners/?{LIST_QUERY} x{args.requests}, concurrency {args.concurrency}, "
        f"gunicorn {args.workers} workers"
    )
    print(f"  api:   p50 {p50:.2f} ms  p95 {p95:.2f} ms  {rps:.0f} req/s  {queries} queries/request")
    print(f"  floor: p50 {floor_p50:.2f} ms  p95 {floor_p95:.2f} ms  {floor_rps:.0f} req/s  same token, count, page")
    print(
        f"BENCH partners_list p50_ms={p50:.2f} p95_ms={p95:.2f} rps={rps:.0f} queries={queries} "
        f"floor_p50_ms={floor_p50:.2f} ratio={p50 / floor_p50:.2f}"
    )
    print(
        f"BENCH partners_cursor pages={pages} first_p50_ms={first_p50:.2f} last_p50_ms={last_p50:.2f} "
        f"rows_per_s={walked / walk_wall:.0f} floor_rows_per_s={floor_walked / floor_walk_wall:.0f} "
        f"ratio={(floor_walked / floor_walk_wall) / (walked / walk_wall):.2f}"
    )
    print(
        f"BENCH partners_csv rows={csv_rows} wall_s={csv_wall:.1f} rows_per_s={csv_rows / csv_wall:.0f} "
        f"max_rss_mb={csv_rss:.0f} floor_rows_per_s={floor_csv_rows / floor_csv_wall:.0f} "
        f"ratio={(floor_csv_rows / floor_csv_wall) / (csv_rows / csv_wall):.2f}",
        flush=True,
    )
    evaluated, wall, queries_per_chunk, _ = _strategies_workload(env, args.strategy_workers, args.partners)
    print(
        f"BENCH strategies_run partners={evaluated} wall_s={wall:.1f} partners_per_s={evaluated / wall:.0f} "
        f"queries_per_chunk={queries_per_chunk}",
        flush=True,
    )
    subprocess.run([sys.executable, "-m", "prm.bench_pages"], cwd=ROOT, env=env, check=True)
    subprocess.run([sys.executable, "-m", "prm.bench_webhooks"], cwd=ROOT, env=env, check=True)
    subprocess.run([sys.executable, "-m", "prm.bench_imports", "--rows", str(args.import_rows)], cwd=ROOT, env=env,
                   check=True)  # fmt: skip
    subprocess.run([sys.executable, "-m", "prm.bench_deals"], cwd=ROOT, env=env, check=True)
    subprocess.run([sys.executable, "-m", "prm.bench_leads"], cwd=ROOT, env=env, check=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prm.settings")
    sys.exit(main(sys.argv[1:]))
