"""A real broker stopped, and a real broker hung (SIGSTOP), under a real site and a real worker,
while a client reads and writes partners through the API: no 5xx, requests at their usual speed,
every write in PostgreSQL with its event, /readyz/ naming the broker within two seconds, and once
the broker is back the sweep fans out every event recorded meanwhile, in order per partner.

The redis-server of these tests is their own (a free port, no persistence), used as both the
broker and the cache of the site and the worker, so stopping it disturbs nobody else.
"""

import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.db.models import Max

from partners.models import Partner
from partners.outbox.models import Event
from partners.outbox.tasks import outbox_sweep_task
from partners.services import api_token_create
from prm.celery import app as celery_app
from tests.factories import UserFactory
from tests.fixtures.worker import ROOT, _database_url, wait_for
from tests.partners.factories import PartnerFactory

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server to stop and hang"),
]

PARTNERS = 3
ROUNDS = 12  # per phase: a list read and a change of one partner each


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A redis-server of our own, which the test may stop, start again, hang and resume."""

    def __init__(self, log_path: Path) -> None:
        self.port = _free_port()
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--daemonize", "no"],
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        wait_for(self._answers, timeout=10, what="redis-server to answer")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a hung server must run to exit
            self.process.terminate()
            self.process.wait(timeout=10)

    def hang(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)


class Process:
    """A site or worker process of the project, with its output in a log file."""

    def __init__(self, command: list[str], env: dict, log_path: Path) -> None:
        self.command, self.env, self.log_path = command, env, log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.log_file = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env=self.env, stdout=self.log_file, stderr=subprocess.STDOUT
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"{self.command[2]} exited with {self.process.returncode}:\n{self.log()[-5000:]}")
        return True

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process:
            self.log_file.close()


@pytest.fixture
def stack(transactional_db, tmp_path):
    """Our redis-server, a gunicorn site and a Celery worker, all on that Redis and the test database."""
    redis = RedisServer(tmp_path / "redis.log")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis.url(0),
        "TEST_BROKER_URL": redis.url(0),
        "TEST_CACHE_URL": redis.url(1),
        "TEST_CELERY_EAGER": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "EMAIL_URL": "dummymail://",
        "OUTBOX_SWEEP_GRACE_SECONDS": "0",
        "CONN_MAX_AGE": "0",
    }
    port = _free_port()
    site = Process(
        [sys.executable, "-m", "gunicorn", "prm.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--threads", "4", "--timeout", "60"],
        env, tmp_path / "site.log",
    )  # fmt: skip
    worker = Process(
        [sys.executable, "-m", "celery", "-A", "prm", "worker", "--hostname", f"faults-{port}@localhost",
         "--concurrency", "1", "--pool", "prefork", "--without-gossip", "--without-mingle", "--loglevel", "INFO"],
        env, tmp_path / "worker.log",
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"

    def site_answers() -> bool:
        site.alive()
        try:
            return requests.get(f"{base}/healthz/", timeout=5).status_code == 200
        except requests.RequestException:  # not listening yet, or still loading the application
            return False

    try:  # a failed start must not leave processes behind
        redis.start()
        site.start()
        worker.start()
        wait_for(site_answers, timeout=60, interval=0.2, what="the site to answer")
        wait_for(lambda: worker.alive() and " ready." in worker.log(), timeout=60, interval=0.2, what="the worker")
        yield {"redis": redis, "site": site, "worker": worker, "base": base}
    finally:
        worker.stop()
        site.stop()
        redis.stop()


def _sweep(redis: RedisServer) -> None:
    """Ask the worker for an outbox sweep, as beat does every few seconds."""
    with celery_app.connection_for_write(url=redis.url(0)) as conn, conn.Producer() as producer:
        outbox_sweep_task.apply_async(producer=producer)


def _traffic(session: requests.Session, base: str, partners: list[Partner], phase: str, rounds: int) -> list[dict]:
    """Read the list and change a partner, ``rounds`` times; each request's status and time."""
    calls = []
    for number in range(rounds):
        partner = partners[number % len(partners)]
        name = f"{partner.pk} {phase} {number}"
        for method, url, body in (
            ("GET", f"{base}/api/v1/partners/?page_size=20", None),
            ("PATCH", f"{base}/api/v1/partners/{partner.pk}/", {"name": name}),
        ):
            started = time.monotonic()
            response = session.request(method, url, json=body, timeout=30)
            took = time.monotonic() - started
            calls.append({"method": method, "status": response.status_code, "took": took, "partner": partner.pk,
                          "name": name if method == "PATCH" else None, "phase": phase})  # fmt: skip
    return calls


@pytest.mark.parametrize("fault", ["stopped", "hung"])
def test_the_site_works_through_a_broker_outage_and_the_sweep_delivers_what_waited(stack, fault):
    # given: partners, a manager's token, and the site and worker on our Redis
    manager = UserFactory(role="manager")
    partners = [PartnerFactory(owner=manager, type="technology") for _ in range(PARTNERS)]
    _, key = api_token_create(user=manager)
    session = requests.Session()
    session.headers["Authorization"] = f"Token {key}"
    redis, base = stack["redis"], stack["base"]
    first_event = (Event.objects.aggregate(last=Max("id"))["last"] or 0) + 1
    calls = _traffic(session, base, partners, "before", 3)

    # when: the broker (and the cache, the same server) stops or hangs while the client goes on
    redis.stop() if fault == "stopped" else redis.hang()
    started = time.monotonic()
    ready = requests.get(f"{base}/readyz/", timeout=30)
    ready_took = time.monotonic() - started
    during = _traffic(session, base, partners, fault, ROUNDS)
    calls += during

    # then: /readyz/ names the broker within two seconds
    assert ready.status_code == 503
    assert ready.json()["checks"]["broker"] == "unavailable"
    assert ready.json()["checks"]["cache"] == "unavailable"
    assert ready_took < 2.0
    # and no request failed or waited long (each timeout is paid once, then the breaker skips Redis)
    statuses = sorted({call["status"] for call in calls})
    assert statuses == [200], [call for call in calls if call["status"] != 200]
    timings = [call["took"] for call in during]
    print(f"\n{fault}: {len(timings)} requests, median {statistics.median(timings) * 1000:.0f} ms, "
          f"max {max(timings) * 1000:.0f} ms, /readyz/ {ready_took * 1000:.0f} ms")  # fmt: skip
    assert max(timings) < 2.0, timings
    assert statistics.median(timings) < 0.5, timings

    # when: the broker returns, and the sweep runs
    redis.start() if fault == "stopped" else redis.resume()
    wait_for(
        lambda: requests.get(f"{base}/readyz/", timeout=5).status_code == 200, timeout=30, what="the site ready again"
    )
    after = _traffic(session, base, partners, "after", 3)
    calls += after
    assert {call["status"] for call in after} == {200}

    def all_dispatched() -> bool:
        if Event.objects.filter(id__gte=first_event, dispatched_at__isnull=True).exists():
            _sweep(redis)
            return False
        return True

    wait_for(all_dispatched, timeout=90, interval=2, what="the sweep to fan out every event")

    # then: every change is in PostgreSQL, as the last write of each partner left it
    writes = [call for call in calls if call["method"] == "PATCH"]
    for partner in partners:
        last = [call["name"] for call in writes if call["partner"] == partner.pk][-1]
        assert Partner.objects.get(pk=partner.pk).name == last
    # and every change recorded its event, each fanned out, in id order per partner
    events = list(
        Event.objects.filter(id__gte=first_event, type="partner.updated")
        .order_by("id")
        .values("id", "object_id", "data", "dispatched_at")
    )
    for partner in partners:
        mine = [event for event in events if event["object_id"] == str(partner.pk)]
        assert [event["data"]["name"] for event in mine] == [
            call["name"] for call in writes if call["partner"] == partner.pk
        ]
        moments = [event["dispatched_at"] for event in mine]
        assert all(moments) and moments == sorted(moments)
    # and the worker lived through the outage (it held unacknowledged messages: the re-evaluations
    # the changes queued with a countdown) and fanned the events out after it
    assert stack["worker"].alive()
    assert "Unrecoverable error" not in stack["worker"].log()
    assert f"{outbox_sweep_task.name}[" in stack["worker"].log()
