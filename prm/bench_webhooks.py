"""How fast outbox events reach webhook receivers: ``BENCH webhooks``.

``prm.bench`` runs this after its other workloads (``python -m prm.bench_webhooks`` runs it alone
with the environment's settings, against a migrated and seeded database). Five receivers listen on
loopback ports, each in its own process, and answer 204 to every POST over keep-alive connections,
writing down each ``webhook-id`` and when it arrived. Five staff subscriptions take
``partner.updated``; ``EVENTS`` events are recorded through the outbox in transactions of
``BATCH``, as a burst of partner edits would, while a Celery worker with two processes dispatches
and delivers them. ``deliveries_per_s`` is every delivery over the time from the first event's
commit to the last delivery's arrival; ``p95_lag_ms`` is the 95th percentile of arrival minus
the event's ``created_at``. A webhook-id that arrives twice at one receiver, or never, is
counted (``duplicates``, ``lost``); the subscriptions and events are deleted afterwards.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVENTS = 10_000
SUBSCRIPTIONS = 5
BATCH = 500
WORKER_PROCESSES = 2

RECEIVER = r"""
import json, signal, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

seen = []

class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        seen.append((self.headers["webhook-id"], time.time()))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass

def dump(*_):
    with open(sys.argv[2], "w") as out:
        json.dump(seen, out)
    sys.exit(0)

signal.signal(signal.SIGTERM, dump)
server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Receiver)
server.daemon_threads = True
print("ready", flush=True)
server.serve_forever()
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


def measure_webhooks(*, events: int = EVENTS, subscriptions: int = SUBSCRIPTIONS, timeout: float = 600) -> dict:
    """Run the workload in this (set-up) Django process; returns the figures it prints."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from partners.events import partner_snapshot
    from partners.models import Partner
    from partners.outbox.models import Event
    from partners.outbox.services import EventDraft, events_record, outbox_dispatch
    from partners.webhooks.models import WebhookDelivery, WebhookSubscription
    from partners.webhooks.services import subscription_create

    outbox_dispatch()  # what earlier workloads left is not this bench's to measure
    admin, _ = get_user_model().objects.get_or_create(
        username="bench-webhooks@openprm.local",
        defaults={"email": "bench-webhooks@openprm.local", "is_staff": True, "is_superuser": True},
    )
    folder = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
    receivers, subs = [], []
    worker = None
    try:
        for index in range(subscriptions):
            port = _free_port()
            process = subprocess.Popen(
                [sys.executable, "-c", RECEIVER, str(port), str(folder / f"{index}.json")],
                stdout=subprocess.PIPE, text=True,
            )  # fmt: skip
            process.stdout.readline()  # "ready"
            receivers.append(process)
            url = f"http://127.0.0.1:{port}/hook"
            subs.append(subscription_create(actor=admin, url=url, event_types=["partner.updated"]))
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "prm", "worker", "--concurrency", str(WORKER_PROCESSES),
             "--loglevel", "WARNING", "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=os.environ.copy(),
        )  # fmt: skip
        time.sleep(5)  # the worker connects and its pool starts
        partners = list(Partner.objects.order_by("pk")[:events])
        started = time.time()
        first_id = None
        for offset in range(0, events, BATCH):
            with transaction.atomic():
                recorded = events_record(
                    EventDraft(
                        type="partner.updated", object_type="partner", object_id=p.pk, partner_id=p.pk,
                        data={**partner_snapshot(p), "changes": {"description": {"from": "", "to": "bench"}}},
                    )
                    for p in (partners[(offset + i) % len(partners)] for i in range(BATCH))
                )  # fmt: skip
            first_id = first_id or recorded[0].pk
        expected = events * subscriptions
        sub_ids = [s.pk for s in subs]
        deadline = time.time() + timeout
        while time.time() < deadline:
            done = WebhookDelivery.objects.filter(subscription_id__in=sub_ids, state="succeeded").count()
            if done >= expected:
                break
            time.sleep(0.5)
        created = dict(Event.objects.filter(pk__gte=first_id, type="partner.updated").values_list("uid", "created_at"))
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=60)
        for process in receivers:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    arrivals, duplicates, lost = [], 0, 0
    wanted = {f"msg_{uid.hex}": at.timestamp() for uid, at in created.items()}
    for index in range(subscriptions):
        seen = json.loads((folder / f"{index}.json").read_text())
        ids = [webhook_id for webhook_id, _ in seen]
        duplicates += len(ids) - len(set(ids))
        lost += len(set(wanted) - set(ids))
        arrivals.extend((at, at - wanted[webhook_id]) for webhook_id, at in seen if webhook_id in wanted)
    WebhookSubscription.objects.filter(pk__in=[s.pk for s in subs]).delete()
    Event.objects.filter(pk__gte=first_id, type="partner.updated").delete()
    last = max(at for at, _ in arrivals)
    return {
        "events": events,
        "subscriptions": subscriptions,
        "deliveries": len(arrivals),
        "deliveries_per_s": len(arrivals) / (last - started),
        "p50_lag_ms": _percentile([lag for _, lag in arrivals], 50) * 1000,
        "p95_lag_ms": _percentile([lag for _, lag in arrivals], 95) * 1000,
        "duplicates": duplicates,
        "lost": lost,
    }


def main() -> int:
    import django

    django.setup()
    figures = measure_webhooks()
    print(
        f"BENCH webhooks events={figures['events']} subscriptions={figures['subscriptions']} "
        f"deliveries={figures['deliveries']} deliveries_per_s={figures['deliveries_per_s']:.0f} "
        f"p50_lag_ms={figures['p50_lag_ms']:.0f} p95_lag_ms={figures['p95_lag_ms']:.0f} "
        f"duplicates={figures['duplicates']} lost={figures['lost']} workers={WORKER_PROCESSES}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prm.settings")
    sys.exit(main())
