"""Sending deliveries: claim a batch, send it over kept-alive connections, record the answers.

A sender claims up to WEBHOOK_BATCH_SIZE due deliveries with ``SELECT … FOR UPDATE SKIP LOCKED``
and a lease (``claimed_until``) in one short transaction, sends them without holding a
transaction, then writes every attempt and every delivery's new state with a handful of
set-based statements, and loops while work is due. Senders in other processes take other rows;
a sender killed mid-batch leaves its rows leased until the lease ends, and the next sender
(or the ten-second sweep) sends them again, with the same ``webhook-id``.

Order: a delivery waits while an earlier pending delivery of the same subscription and object
is backing off or held by another sender; a batch sends each object's run of deliveries in event
order on one thread, and stops at its first failure.

Every attempt connects to the address the guard just checked (``ssrf.url_check``: no DNS
rebinding) and ends within WEBHOOK_CONNECT_TIMEOUT + WEBHOOK_READ_TIMEOUT seconds whatever the
receiver does: a watchdog shuts the socket of an attempt past its deadline, so a receiver that
never answers, or trickles bytes, cannot hold a sender.

The client is the standard library's ``http.client``, one kept-alive connection per (thread,
checked address, host): it lets the sender pin the address, set the TLS name and bound every
read, which a pooled client would hide.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import os
import random
import socket
import ssl
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from partners.webhooks import ssrf
from partners.webhooks.fanout import event_payload
from partners.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from partners.webhooks.signing import signed_headers, signing_secrets

logger = logging.getLogger(__name__)

# the wait after each failed attempt (Standard Webhooks / Svix): about three and a half days in
# all, eleven attempts, then the delivery fails
RETRY_SCHEDULE = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=24),
)
RETRY_JITTER = 0.1  # each wait is drawn within ±10 %
# a subscription whose deliveries failed for this long without one success, and which just gave
# up a delivery, is paused
PAUSE_AFTER = timedelta(days=3)
RESPONSE_READ_MAX = 64 * 1024
RESPONSE_KEPT = 2000
ERROR_KEPT = 500
# an object's deliveries sent in order within one batch, at most
RUN_MAX = 20
# a sender stops looping after this long and queues a successor (task time limits stay far away)
LOOP_SECONDS = 120
# a lease outlasts the longest run's attempts by this much (then the sweep may send them again)
LEASE_MARGIN_SECONDS = 10
# resolved addresses are reused this long (the connection goes to the checked address anyway)
RESOLVE_CACHE_SECONDS = 30
# look-ups run on these threads, so a hung DNS server holds them, never a sender
RESOLVER_THREADS = 4
# kept-alive connections a sending thread keeps, the most recently used (file descriptors are finite)
IDLE_CONNECTIONS_PER_THREAD = 8
USER_AGENT = "OpenPRM-Webhooks/1"

# the 2xx answer counts; anything else, or no answer, is a failure
REDIRECT_ERROR = "redirects are not followed"


def retry_delay(attempts: int, *, rng: random.Random | None = None) -> timedelta | None:
    """The wait after the ``attempts``-th failed attempt, jittered, or None when the schedule is
    over (the delivery fails)."""
    if attempts < 1 or attempts > len(RETRY_SCHEDULE):
        return None
    base = RETRY_SCHEDULE[attempts - 1]
    factor = 1 + (rng or random).uniform(-RETRY_JITTER, RETRY_JITTER)
    return timedelta(seconds=base.total_seconds() * factor)


# --- the HTTP client ---------------------------------------------------------------------------


@dataclass
class Answer:
    """What one attempt got: a status (None when there was no answer), the first characters of
    the body, an error for the log, and whether it counts as delivered."""

    status_code: int | None
    body: str
    error: str
    duration_ms: int
    headers: dict

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300 and not self.error


class _Watchdog:
    """Shuts the socket of any attempt past its deadline (one thread per process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: dict[int, list] = {}  # token -> [deadline, socket or None, fired]
        self._next = 0
        self._pid = os.getpid()
        threading.Thread(target=self._run, name="webhook-watchdog", daemon=True).start()

    def arm(self, deadline: float) -> int:
        with self._lock:
            self._next += 1
            self._armed[self._next] = [deadline, None, False]
            return self._next

    def attach(self, token: int, sock) -> None:
        with self._lock:
            entry = self._armed.get(token)
            if entry is None:
                return
            entry[1] = sock
            fire = entry[2]
        if fire:
            _shutdown(sock)

    def disarm(self, token: int) -> bool:
        """Forget the attempt; True when its deadline fired."""
        with self._lock:
            entry = self._armed.pop(token, None)
        return bool(entry and entry[2])

    def _run(self) -> None:
        while True:
            time.sleep(0.05)
            now = time.monotonic()
            expired = []
            with self._lock:
                for entry in self._armed.values():
                    if not entry[2] and entry[0] <= now:
                        entry[2] = True
                        expired.append(entry[1])
            for sock in expired:
                if sock is not None:
                    _shutdown(sock)


def _shutdown(sock) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


_watchdog: _Watchdog | None = None
_watchdog_lock = threading.Lock()


def _get_watchdog() -> _Watchdog:
    global _watchdog
    with _watchdog_lock:
        if _watchdog is None or _watchdog._pid != os.getpid():  # a forked worker needs its own thread
            _watchdog = _Watchdog()
        return _watchdog


class _PinnedConnection(http.client.HTTPConnection):
    """An HTTP/1.1 connection to a checked address, speaking to the URL's host name (Host
    header, and TLS server name and certificate check for https)."""

    def __init__(self, target: ssrf.Target, *, connect_timeout: float, read_timeout: float) -> None:
        super().__init__(target.ip, target.port, timeout=read_timeout)
        self.target = target
        self.connect_timeout = connect_timeout
        self.on_socket = None

    def connect(self) -> None:
        sock = socket.create_connection((self.target.ip, self.target.port), timeout=self.connect_timeout)
        if self.on_socket is not None:
            self.on_socket(sock)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(self.timeout)
        if self.target.scheme == "https":
            sock = _ssl_context().wrap_socket(sock, server_hostname=self.target.host)
        self.sock = sock


_ssl_contexts = threading.local()


def _ssl_context() -> ssl.SSLContext:
    context = getattr(_ssl_contexts, "context", None)
    if context is None:
        context = _ssl_contexts.context = ssl.create_default_context()
    return context


_local = threading.local()


def _connections() -> dict:
    if getattr(_local, "pid", None) != os.getpid():
        _local.pid = os.getpid()
        _local.connections = OrderedDict()
    return _local.connections


_resolved: dict[tuple[str, int], tuple[float, list[str]]] = {}
_resolved_lock = threading.Lock()


_resolvers: ThreadPoolExecutor | None = None
_resolvers_pid: int | None = None


def _resolver_pool() -> ThreadPoolExecutor:
    global _resolvers, _resolvers_pid
    if _resolvers is None or _resolvers_pid != os.getpid():  # a forked worker needs its own threads
        _resolvers = ThreadPoolExecutor(max_workers=RESOLVER_THREADS, thread_name_prefix="webhook-resolve")
        _resolvers_pid = os.getpid()
    return _resolvers


def _resolve(host: str, port: int) -> list[str]:
    """The system resolver's answer, kept RESOLVE_CACHE_SECONDS (whatever it is, it is checked
    again by the guard before each attempt, and the attempt connects to the checked address).

    The look-up runs on a thread of its own and is waited for WEBHOOK_CONNECT_TIMEOUT at most: the
    system resolver has no timeout of ours, and the watchdog cannot cut a look-up short, so a hung
    DNS server fails the attempt (TimeoutError, "cannot be resolved") instead of holding a sender.
    """
    now = time.monotonic()
    with _resolved_lock:
        hit = _resolved.get((host, port))
    if hit and hit[0] > now:
        return hit[1]
    timeout = float(settings.WEBHOOK_CONNECT_TIMEOUT)
    try:
        addresses = _resolver_pool().submit(ssrf.system_resolver, host, port).result(timeout=timeout)
    except TimeoutError:
        raise TimeoutError(f"no answer from DNS within {timeout:g} s") from None
    with _resolved_lock:
        _resolved[(host, port)] = (now + RESOLVE_CACHE_SECONDS, addresses)
    return addresses


def resolve_cache_clear() -> None:
    with _resolved_lock:
        _resolved.clear()


def post(url: str, *, body: bytes, headers: dict[str, str]) -> Answer:
    """POST ``body`` to ``url`` once: the address guard first, then one request on a kept-alive
    connection to the checked address (a fresh one if a kept one turns out closed), the answer's
    first RESPONSE_READ_MAX bytes read, all within the timeouts. Never raises for the network."""
    started = time.monotonic()
    connect_timeout = float(settings.WEBHOOK_CONNECT_TIMEOUT)
    read_timeout = float(settings.WEBHOOK_READ_TIMEOUT)
    sent = {"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers}

    def answer(status=None, text="", error="") -> Answer:
        return Answer(
            status_code=status,
            body=text,
            error=error[:ERROR_KEPT],
            duration_ms=int((time.monotonic() - started) * 1000),
            headers=sent,
        )

    try:
        target = ssrf.url_check(url, resolver=_resolve)
    except ssrf.UrlRefused as exc:
        return answer(error=f"The URL {exc.message}")
    watchdog = _get_watchdog()
    token = watchdog.arm(started + connect_timeout + read_timeout)
    key = (target.scheme, target.ip, target.port, target.host)
    pool = _connections()
    status = None
    try:
        for fresh in (False, True):
            conn = None if fresh else pool.pop(key, None)
            reused = conn is not None and conn.sock is not None
            if conn is None or not reused:
                conn = _PinnedConnection(target, connect_timeout=connect_timeout, read_timeout=read_timeout)
            conn.on_socket = lambda sock: watchdog.attach(token, sock)
            if conn.sock is not None:
                watchdog.attach(token, conn.sock)
            try:
                conn.putrequest("POST", target.path, skip_host=True, skip_accept_encoding=True)
                conn.putheader("Host", target.host_header)
                for name, value in sent.items():
                    conn.putheader(name, value)
                conn.putheader("Content-Length", str(len(body)))
                conn.endheaders(body)
                response = conn.getresponse()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                conn.close()
                if reused and not fresh:
                    continue  # the receiver closed an idle kept-alive connection: once more, afresh
                raise
            status = response.status
            raw = response.read(RESPONSE_READ_MAX)
            text = raw.decode("utf-8", errors="replace")[:RESPONSE_KEPT]
            fired = watchdog.disarm(token)
            conn.on_socket = None
            if not fired and response.isclosed() and not response.will_close:
                pool[key] = conn  # the whole answer was read in time: the connection can be reused
                while len(pool) > IDLE_CONNECTIONS_PER_THREAD:  # many receivers: keep the latest few
                    pool.popitem(last=False)[1].close()
            else:
                conn.close()  # more than we read, too late, or the receiver closes it
            if fired:
                return answer(status, text, _timeout_message(connect_timeout, read_timeout))
            if 300 <= status < 400:
                return answer(status, text, REDIRECT_ERROR)
            return answer(status, text)
    except Exception as exc:  # every network failure is one failed attempt, recorded as such
        fired = watchdog.disarm(token)
        if fired or isinstance(exc, TimeoutError | socket.timeout):
            return answer(status, error=_timeout_message(connect_timeout, read_timeout))
        return answer(status, error=_describe(exc))
    finally:
        watchdog.disarm(token)
    return answer(error="no answer")  # pragma: no cover (the loop always returns)


def _timeout_message(connect_timeout: float, read_timeout: float) -> str:
    return f"timed out (no complete answer within {connect_timeout + read_timeout:g} s)"


def _describe(exc: Exception) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS certificate not accepted: {exc.verify_message}"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, http.client.RemoteDisconnected):
        return "the receiver closed the connection without answering"
    text = str(exc) or exc.__class__.__name__
    return f"{exc.__class__.__name__}: {text}"


# --- claiming and recording ---------------------------------------------------------------------

_executor: ThreadPoolExecutor | None = None
_executor_pid: int | None = None


def _pool() -> ThreadPoolExecutor:
    global _executor, _executor_pid
    if _executor is None or _executor_pid != os.getpid():
        _executor = ThreadPoolExecutor(max_workers=settings.WEBHOOK_SEND_THREADS, thread_name_prefix="webhook-send")
        _executor_pid = os.getpid()
    return _executor


@dataclass
class _Claimed:
    delivery: WebhookDelivery
    answer: Answer | None = None
    sent_at: object = None


_D = WebhookDelivery._meta.db_table
_S = WebhookSubscription._meta.db_table
_A = WebhookAttempt._meta.db_table

# the heads: due, unleased deliveries with no earlier pending delivery of their subscription and
# object (a retry backing off, or one another sender holds, keeps the later ones waiting)
_CLAIM_SQL = f"""
    SELECT d.id, d.subscription_id, d.object_key, d.event_id
    FROM {_D} d
    JOIN {_S} s ON s.id = d.subscription_id
    WHERE d.state = 'pending'
      AND d.next_attempt_at <= %(now)s
      AND (d.claimed_until IS NULL OR d.claimed_until <= %(now)s)
      AND ((s.is_active AND s.paused_at IS NULL) OR d.object_key LIKE 'test:%%')
      AND NOT EXISTS (
          SELECT 1 FROM {_D} b
          WHERE b.subscription_id = d.subscription_id AND b.object_key = d.object_key
            AND b.state = 'pending' AND b.event_id < d.event_id
      )
    ORDER BY d.next_attempt_at, d.event_id
    LIMIT %(limit)s
    FOR UPDATE OF d SKIP LOCKED
"""  # noqa: S608 (table names from the models)

# what follows each head: the next pending deliveries of the same subscription and object
_FOLLOWERS_SQL = f"""
    SELECT h.id, n.id, n.next_attempt_at, n.claimed_until
    FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::bigint[]) AS h (id, s, k, e)
    CROSS JOIN LATERAL (
        SELECT b.id, b.event_id, b.next_attempt_at, b.claimed_until
        FROM {_D} b
        WHERE b.subscription_id = h.s AND b.object_key = h.k AND b.state = 'pending' AND b.event_id > h.e
        ORDER BY b.event_id
        LIMIT %s
    ) AS n
    ORDER BY h.id, n.event_id
"""  # noqa: S608


def _claim(*, limit: int) -> list[list[WebhookDelivery]]:
    """Lease up to ``limit`` due deliveries in runs: each run is a head (no earlier pending
    delivery of its subscription and object) and the due deliveries right behind it, in event
    order, up to RUN_MAX. Five statements whatever the batch."""
    now = timezone.now()
    with transaction.atomic():
        with connection.cursor() as cursor:
            # walk webhook_delivery_due in its order and stop at ``limit`` heads: the planner
            # underestimates how many rows pass the filters and would sort every due delivery
            # instead (45 ms rather than 2 ms at 10,000 due)
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute(_CLAIM_SQL, {"now": now, "limit": limit})
            heads = cursor.fetchall()
            if not heads:
                return []
            runs: dict[int, list[int]] = {head[0]: [head[0]] for head in heads}
            room = limit - len(heads)
            if room > 0 and RUN_MAX > 1:
                cursor.execute(
                    _FOLLOWERS_SQL,
                    [
                        [h[0] for h in heads],
                        [h[1] for h in heads],
                        [h[2] for h in heads],
                        [h[3] for h in heads],
                        RUN_MAX - 1,
                    ],
                )
                stopped: set[int] = set()
                followers = []
                for head_id, follower_id, next_at, claimed_until in cursor.fetchall():
                    if head_id in stopped:
                        continue
                    if next_at > now or (claimed_until is not None and claimed_until > now) or room <= 0:
                        stopped.add(head_id)  # a gap: the rest of the run waits for a later round
                        continue
                    followers.append((head_id, follower_id))
                    room -= 1
                if followers:
                    cursor.execute(
                        f"SELECT id FROM {_D} WHERE id = ANY(%s) FOR UPDATE SKIP LOCKED",  # noqa: S608
                        [[f for _, f in followers]],
                    )
                    locked = {row[0] for row in cursor.fetchall()}
                    for head_id, follower_id in followers:
                        if head_id in stopped:
                            continue
                        if follower_id not in locked:
                            stopped.add(head_id)
                            continue
                        runs[head_id].append(follower_id)
        ids = [delivery_id for run in runs.values() for delivery_id in run]
        longest = max(len(run) for run in runs.values())
        per_attempt = float(settings.WEBHOOK_CONNECT_TIMEOUT) + float(settings.WEBHOOK_READ_TIMEOUT)
        lease = now + timedelta(seconds=per_attempt * longest + LEASE_MARGIN_SECONDS)
        WebhookDelivery.objects.filter(pk__in=ids).update(claimed_until=lease)
    loaded = {
        delivery.pk: delivery
        for delivery in WebhookDelivery.objects.filter(pk__in=ids).select_related("event", "subscription")
    }
    return [[loaded[delivery_id] for delivery_id in run if delivery_id in loaded] for run in runs.values()]


def delivery_body(delivery: WebhookDelivery) -> bytes:
    """The JSON a delivery posts (the same bytes on every attempt while the event is unchanged)."""
    payload = event_payload(delivery.event, partner_scoped=delivery.subscription.partner_id is not None)
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def _send_run(run: list[WebhookDelivery]) -> list[_Claimed]:
    """Send one object's deliveries in order; after a failure the rest wait for the next round."""
    done = []
    for delivery in run:
        body = delivery_body(delivery)
        now = timezone.now()
        headers = signed_headers(
            secrets=signing_secrets(delivery.subscription, now=now),
            webhook_id=delivery.event.webhook_id,
            timestamp=int(now.timestamp()),
            body=body,
        )
        answer = post(delivery.subscription.url, body=body, headers=headers)
        done.append(_Claimed(delivery=delivery, answer=answer, sent_at=now))
        if not answer.ok:
            break
    return done


def _record(runs: list[list[WebhookDelivery]], results: list[_Claimed]) -> None:
    """Write the batch's attempts and the deliveries' new states (and their subscriptions'
    failure streaks) in one transaction: an INSERT of every attempt, an UPDATE … FROM VALUES of
    every delivery, a lease release for those not tried, and at most three UPDATEs of
    subscriptions. A delivery deleted meanwhile is skipped."""
    now = timezone.now()
    tried = {claimed.delivery.pk for claimed in results}
    untried = [d.pk for run in runs for d in run if d.pk not in tried]
    with transaction.atomic():
        existing = set(
            WebhookDelivery.objects.select_for_update()
            .filter(pk__in=[claimed.delivery.pk for claimed in results])
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        results = [claimed for claimed in results if claimed.delivery.pk in existing]
        WebhookAttempt.objects.bulk_create(
            [
                WebhookAttempt(
                    delivery_id=claimed.delivery.pk,
                    attempted_at=claimed.sent_at,
                    status_code=claimed.answer.status_code,
                    duration_ms=claimed.answer.duration_ms,
                    response_body=claimed.answer.body,
                    error=claimed.answer.error,
                    request_headers=claimed.answer.headers,
                )
                for claimed in results
            ]
        )
        values = []
        succeeded, failing, gave_up = set(), set(), set()
        for claimed in results:
            delivery, answer = claimed.delivery, claimed.answer
            attempts = delivery.attempts + 1
            if answer.ok:
                state, next_at, delivered = WebhookDelivery.State.SUCCEEDED, None, now
                succeeded.add(delivery.subscription_id)
            else:
                delay = retry_delay(attempts)
                failing.add(delivery.subscription_id)
                if delay is None:
                    state, next_at, delivered = WebhookDelivery.State.FAILED, None, None
                    gave_up.add(delivery.subscription_id)
                else:
                    state, next_at, delivered = WebhookDelivery.State.PENDING, now + delay, None
            error = answer.error or ("" if answer.ok else f"HTTP {answer.status_code}")
            values.append((delivery.pk, state, attempts, next_at, answer.status_code, error[:ERROR_KEPT], delivered))
        with connection.cursor() as cursor:
            if values:
                cursor.execute(
                    f"""
                    UPDATE {_D} d SET state = v.state, attempts = v.attempts, next_attempt_at = v.next_at,
                        last_status_code = v.status, last_error = v.error,
                        delivered_at = coalesce(v.delivered, d.delivered_at), claimed_until = NULL
                    FROM unnest(%s::bigint[], %s::text[], %s::int[], %s::timestamptz[], %s::int[], %s::text[],
                                %s::timestamptz[]) AS v (id, state, attempts, next_at, status, error, delivered)
                    WHERE d.id = v.id
                    """,  # noqa: S608
                    [list(column) for column in zip(*values, strict=True)],
                )
            if untried:
                cursor.execute(f"UPDATE {_D} SET claimed_until = NULL WHERE id = ANY(%s)", [untried])  # noqa: S608
        # two senders may touch the same subscriptions: each statement locks its rows in id order
        # (a subquery FOR UPDATE … ORDER BY id), so they wait for each other instead of deadlocking
        _update_subscriptions(failing, where="failing_since IS NULL", assign="failing_since = %s", values=[now])
        _update_subscriptions(succeeded - failing, where="failing_since IS NOT NULL", assign="failing_since = NULL")
        _update_subscriptions(
            gave_up,
            where="paused_at IS NULL AND failing_since <= %s",
            where_values=[now - PAUSE_AFTER],
            assign="paused_at = %s, paused_reason = %s",
            values=[now, PAUSED_REASON],
        )


PAUSED_REASON = "Every delivery failed for three days, through the whole retry schedule."


def _update_subscriptions(
    ids: set[int], *, where: str, assign: str, values: list | None = None, where_values: list | None = None
) -> None:
    if not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {_S} s SET {assign}
            FROM (SELECT id FROM {_S} WHERE id = ANY(%s) AND {where} ORDER BY id FOR UPDATE) AS locked
            WHERE s.id = locked.id
            """,  # noqa: S608 (table and column names written here, values as parameters)
            [*(values or []), sorted(ids), *(where_values or [])],
        )


def webhooks_send(*, batch: int | None = None, max_seconds: float = LOOP_SECONDS) -> int:
    """Send due deliveries, batch after batch, until none is due; returns how many attempts
    were made. Runs on any number of workers at once (each claims its own rows). After
    ``max_seconds`` it queues a successor instead of looping on."""
    batch = batch or settings.WEBHOOK_BATCH_SIZE
    started = time.monotonic()
    total = 0
    while True:
        runs = _claim(limit=batch)
        if not runs:
            return total
        results: list[_Claimed] = []
        if len(runs) == 1:
            results = _send_run(runs[0])
        else:
            for done in _pool().map(_send_run, runs):
                results.extend(done)
        _record(runs, results)
        total += len(results)
        if time.monotonic() - started > max_seconds:
            from partners.webhooks.tasks import webhooks_send_task
            from prm.broker import enqueue

            enqueue(webhooks_send_task)
            return total


def webhooks_sweep() -> int:
    """Beat's every-ten-seconds job: forget the leases of senders that died (a SIGKILLed worker's
    batch), then send whatever is due (retries whose wait is over, deliveries no sender took)."""
    WebhookDelivery.objects.filter(state=WebhookDelivery.State.PENDING, claimed_until__lte=timezone.now()).update(
        claimed_until=None
    )
    return webhooks_send()
