"""How fast deals are registered with their conflict check as registrations pile up:
``BENCH deal_register`` at 10,000 and at 1,000,000 existing registrations.

``prm.bench`` runs this after its other workloads (``python -m prm.bench_deals`` runs it alone with
the environment's settings, against a migrated database with partners and the demo logins). The
existing registrations are written set-based (``INSERT … SELECT generate_series``): customers
``Bench Customer <n>`` at ``c<n>-bench.example``, of active partners, three in ten approved and
still protected, four submitted, the rest won, lost or expired. Four clients then POST
``/api/v1/deals/`` through gunicorn (four workers) with an admin's token, each registration for a
random active partner: four in five for new customers, one in five for a customer already
registered (a protected one answers 409 ``customer_protected``, a pending one is accepted with its
conflict). The same load runs at 10,000 existing registrations, then again after the table has
grown to 1,000,000; ``ratio`` is the second median over the first (target at most 1.2), ``rps``
the registrations per second with four clients (target at least 100). Everything the bench wrote
is deleted afterwards.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from prm.bench import percentile, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
SMALL, LARGE = 10_000, 1_000_000
REQUESTS = 2_000
CLIENTS = 4
SEED = 13
DOMAIN = "bench.example"  # customers are c<n>-bench.example, each its own registrable domain
NEW_CUSTOMERS_FROM = 50_000_000  # far above any existing customer number
TARGET_RATIO, TARGET_RPS = 1.2, 100


def _existing_registrations(start: int, end: int) -> None:
    """Registrations ``start``..``end`` (inclusive) spread over the active partners, in one INSERT."""
    from django.db import connection

    from programs.deals.models import Deal

    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {Deal._meta.db_table}  -- the model's table, not input
                (partner_id, customer_company, company_key, customer_domain, contact_name, contact_email,
                 amount, currency, expected_close_on, products, notes, stage, state, protected_until,
                 extension_reason, decision_reason, closed_amount, closed_on, version, created_at, updated_at)
            SELECT ids[1 + n %% cardinality(ids)], 'Bench Customer ' || n, 'bench customer ' || n,
                   'c' || n || '-{DOMAIN}', '', '', 1000 + n %% 90000, 'EUR', current_date + 60,
                   ARRAY['Cloud'], '', 'qualify',
                   CASE WHEN n %% 10 < 3 THEN 'approved' WHEN n %% 10 < 7 THEN 'submitted'
                        WHEN n %% 10 = 7 THEN 'won' WHEN n %% 10 = 8 THEN 'lost' ELSE 'expired' END,
                   CASE WHEN n %% 10 < 3 THEN now() + interval '60 days' END,
                   '', '', CASE WHEN n %% 10 = 7 THEN 1000 END, CASE WHEN n %% 10 IN (7, 8) THEN current_date END,
                   1, now() - interval '1 day', now()
            FROM generate_series(%s, %s) AS n,
                 (SELECT array_agg(id ORDER BY id) AS ids FROM partners_partner
                  WHERE status IN ('active', 'onboarding')) AS partners
            """,  # noqa: S608
            [start, end],
        )
        cursor.execute(f"ANALYZE {Deal._meta.db_table}")


def _cleanup() -> None:
    """Drop the registrations the bench wrote, with their conflicts, history, timeline rows and events."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_deals AS SELECT id FROM programs_deal WHERE customer_domain LIKE %s",
            [f"%-{DOMAIN}"],
        )
        for column in ("deal_id", "other_id"):  # apart, so each uses its index
            cursor.execute(f"DELETE FROM programs_dealconflict WHERE {column} IN (SELECT id FROM bench_deals)")  # noqa: S608
        cursor.execute("DELETE FROM programs_dealhistory WHERE deal_id IN (SELECT id FROM bench_deals)")
        cursor.execute(
            "DELETE FROM partners_activity WHERE kind = 'deal' "
            "AND (data->>'deal')::bigint IN (SELECT id FROM bench_deals)"
        )
        cursor.execute(
            "DELETE FROM outbox_event WHERE object_type = 'deal' AND data->>'customer_domain' LIKE %s", [f"%-{DOMAIN}"]
        )
        cursor.execute("DELETE FROM programs_deal WHERE id IN (SELECT id FROM bench_deals)")
        cursor.execute("DROP TABLE bench_deals")
        cursor.execute("ANALYZE programs_deal")


def _bodies(partner_ids: list[int], existing: int, count: int, rng: random.Random, first_new: int) -> list[bytes]:
    bodies = []
    for i in range(count):
        customer = rng.randint(1, existing) if rng.random() < 0.2 else first_new + i
        bodies.append(
            json.dumps(
                {
                    "partner": rng.choice(partner_ids),
                    "customer_name": f"Bench Customer {customer}",
                    "customer_domain": f"https://www.c{customer}-{DOMAIN}/",
                    "contact_name": "Jo Buyer",
                    "contact_email": f"jo@c{customer}-{DOMAIN}",
                    "amount": "25000.00",
                    "currency": "EUR",
                    "expected_close": "2099-12-31",
                    "products": ["Cloud", "Support"],
                }
            ).encode()
        )
    return bodies


def _post_all(port: int, token: str, bodies: list[bytes]) -> tuple[list[float], float, dict[int, int]]:
    """POST every body from CLIENTS keep-alive connections; latencies in ms, wall time, status counts."""
    headers = {"Authorization": f"Token {token}", "Host": "127.0.0.1", "Content-Type": "application/json"}
    queue, lock = list(reversed(bodies)), threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors: list[str] = []

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if not queue:
                    break
                body = queue.pop()
            started = time.perf_counter()
            conn.request("POST", "/api/v1/deals/", body=body, headers=headers)
            response = conn.getresponse()
            text = response.read()
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                statuses[response.status] = statuses.get(response.status, 0) + 1
                if response.status not in (201, 409):
                    errors.append(f"{response.status}: {text[:300]!r}")
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if errors:
        raise SystemExit(f"bench: {len(errors)} registrations failed, first: {errors[0]}")
    return latencies, wall, statuses


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m prm.bench_deals", description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=REQUESTS, help="registrations per measurement")
    parser.add_argument("--large", type=int, default=LARGE, help="existing registrations of the second measurement")
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args(argv)
    import django

    django.setup()
    from partners.models import Partner

    _cleanup()  # a run stopped half-way leaves nothing behind for this one
    token = subprocess.run(
        [sys.executable, "manage.py", "api_token", "admin@openprm.local", "--name", "bench deals",
         "--expires-days", "1"],
        cwd=ROOT, check=True, text=True, stdout=subprocess.PIPE,
    ).stdout.strip().splitlines()[-1]  # fmt: skip
    partner_ids = list(
        Partner.objects.filter(status__in=["active", "onboarding"]).order_by("pk").values_list("pk", flat=True)[:5000]
    )
    if not partner_ids:
        raise SystemExit("bench: no active partners to register deals for (seed the database first)")
    rng = random.Random(SEED)  # noqa: S311 (a bench's data, not a secret)
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "prm.wsgi:application", "--bind", f"127.0.0.1:{args.port}",
         "--workers", "4", "--timeout", "60", "--log-level", "warning"],
        cwd=ROOT, env=os.environ, stderr=subprocess.DEVNULL,  # a refused registration logs a warning each
    )  # fmt: skip
    results = {}
    try:
        wait_for_port(args.port)
        started = time.perf_counter()
        _existing_registrations(1, SMALL)
        print(f"bench: {SMALL:,} registrations written in {time.perf_counter() - started:.1f} s", flush=True)
        # warm every worker (connections, the public suffix list) on customers of their own
        _post_all(args.port, token, _bodies(partner_ids, SMALL, 200, rng, NEW_CUSTOMERS_FROM - 1000))
        next_new = NEW_CUSTOMERS_FROM
        for existing in (SMALL, args.large):
            if existing > SMALL:
                started = time.perf_counter()
                _existing_registrations(SMALL + 1, existing)
                print(f"bench: grown to {existing:,} in {time.perf_counter() - started:.1f} s", flush=True)
            bodies = _bodies(partner_ids, existing, args.requests, rng, next_new)
            next_new += args.requests
            results[existing] = _post_all(args.port, token, bodies)
    finally:
        server.terminate()
        server.wait(timeout=30)
        started = time.perf_counter()
        _cleanup()
        print(f"bench: the bench's registrations deleted in {time.perf_counter() - started:.1f} s", flush=True)

    small_p50 = statistics.median(results[SMALL][0])
    for existing, (latencies, wall, statuses) in results.items():
        p50 = statistics.median(latencies)
        print(
            f"bench: {len(latencies)} registrations against {existing:,} existing, {CLIENTS} clients: "
            f"{statuses.get(201, 0)} registered, {statuses.get(409, 0)} refused as protected"
        )
        print(
            f"BENCH deal_register existing={existing} rps={len(latencies) / wall:.0f} p50_ms={p50:.2f} "
            f"p95_ms={percentile(latencies, 95):.2f} ratio={p50 / small_p50:.2f} "
            f"targets=ratio<={TARGET_RATIO},rps>={TARGET_RPS}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prm.settings")
    sys.exit(main(sys.argv[1:]))
