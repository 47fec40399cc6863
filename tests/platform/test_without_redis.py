"""The site without Redis: with the broker or the cache refusing connections or hung (a port that
accepts and never answers, as a SIGSTOPped server does), pages and the API answer at their usual
speed, writes commit, their follow-up work waits in PostgreSQL, and /readyz/ says what is missing.

These run in-process against addresses where Redis is missing; tests/platform/test_broker_faults.py
stops and hangs a real redis-server under a real site and worker."""

import copy
import logging
import socket
import statistics
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from partners.models import Contact, Partner
from partners.outbox.models import Event
from partners.outbox.services import outbox_sweep
from partners.services import api_token_create, partner_update
from prm import breaker as breakers
from prm.broker import broker_breaker, enqueue
from prm.cache import FailOpenRedisCache
from prm.celery import app as celery_app
from prm.throttling import counters
from programs.strategies.models import Strategy, StrategyRun
from programs.strategies.services import run_start, runs_watch, strategy_publish
from programs.strategies.tasks import run_plan_task
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db
TIMEOUT = django_settings.REDIS_TIMEOUT


@pytest.fixture(autouse=True)
def _fresh_breakers():
    """Each test meets Redis as a new process would: nothing skipped yet."""
    breakers._breakers.clear()
    counters.cache_clear()
    yield
    breakers._breakers.clear()
    counters.cache_clear()


@pytest.fixture
def hung_url():
    """A Redis address that accepts connections and never answers (a hung or SIGSTOPped server)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    listener.close()


@pytest.fixture
def refused_url():
    """A Redis address where nothing listens (a stopped server)."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture(params=["refused", "hung"])
def missing_url(request):
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def cache_at(settings):
    """Point the site's cache (and so its throttles) at ``url``."""

    def move(url: str) -> None:
        caches = copy.deepcopy(settings.CACHES)
        caches["default"]["LOCATION"] = url
        settings.CACHES = caches  # Django drops its cache connections when CACHES changes
        counters.cache_clear()

    return move


def _forget_broker_connections() -> None:
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker_at():
    """Publish tasks for real (not eagerly) to ``url``; eager, to the test broker, afterwards."""
    conf = celery_app.conf
    previous = (conf.task_always_eager, conf.broker_url)

    def move(url: str) -> None:
        conf.task_always_eager, conf.broker_url = False, url
        _forget_broker_connections()

    yield move
    conf.task_always_eager, conf.broker_url = previous
    _forget_broker_connections()


@pytest.fixture
def manager_token(manager):
    _, key = api_token_create(user=manager)
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


def _timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def _warnings(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]


# --- the cache -------------------------------------------------------------------------


def test_the_cache_answers_like_an_empty_cache_while_redis_refuses(refused_url, caplog):
    # given
    cache = FailOpenRedisCache(refused_url, {"OPTIONS": {"socket_timeout": TIMEOUT, "socket_connect_timeout": TIMEOUT}})
    # when
    with caplog.at_level(logging.WARNING):
        answers = [
            cache.get("key", "default"),
            cache.add("key", 1),
            cache.set("key", 1),
            cache.get_many(["a", "b"]),
            cache.set_many({"a": 1}),
            cache.delete("key"),
            cache.has_key("key"),
            cache.incr("counter", 5),
            cache.touch("key"),
            cache.get_or_set("key", "computed"),
        ]
    # then: a free add (claims and locks let the caller through), nothing stored, no error
    assert answers == ["default", True, None, {}, ["a"], False, False, 5, False, "computed"]
    # and one warning for the outage, not one per call
    assert len([message for message in _warnings(caplog) if "unavailable" in message]) == 1
    with pytest.raises(Exception, match="refused"):
        cache.ping()  # readiness asks Redis itself


def test_a_hung_cache_costs_one_call_a_short_timeout_then_is_skipped(hung_url):
    # given
    cache = FailOpenRedisCache(hung_url, {"OPTIONS": {"socket_timeout": TIMEOUT, "socket_connect_timeout": TIMEOUT}})
    # when
    first, first_took = _timed(lambda: cache.get("key"))
    rest, rest_took = _timed(lambda: [cache.get("key") for _ in range(50)])
    # then
    assert first is None and rest == [None] * 50
    assert first_took < 2 * TIMEOUT + 0.5  # one timeout (and the scheduler's slack on a busy machine)
    assert rest_took < 0.05  # the breaker skips Redis: no call waits for it


def test_the_cache_is_tried_again_after_its_retry_window(refused_url, settings):
    # given: a cache that failed, and a window of one second
    settings.CACHE_RETRY_AFTER = 1
    cache = FailOpenRedisCache(refused_url, {"OPTIONS": {"socket_timeout": TIMEOUT, "socket_connect_timeout": TIMEOUT}})
    cache.get("key")
    assert cache.breaker.is_open()
    # when: the window passes
    time.sleep(1.1)
    # then
    assert not cache.breaker.is_open()


# --- the API and the pages -------------------------------------------------------------


def test_the_api_reads_writes_and_throttles_open_with_the_cache_down(
    api_client, manager, manager_token, cache_at, missing_url, settings, caplog
):
    # given: a client allowed one request a minute, and the cache gone
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1/min", "user": "1/min"},
    }
    partner = PartnerFactory(owner=manager, name="Helix")
    cache_at(missing_url)
    # when
    with caplog.at_level(logging.WARNING):
        reads = [api_client.get("/api/v1/partners/?region=DACH", **manager_token) for _ in range(3)]
        change = api_client.patch(f"/api/v1/partners/{partner.pk}/", {"name": "Helix Health"}, **manager_token)
    # then: every call answered (the throttle could not count, so it let them through)
    assert [response.status_code for response in reads] == [200, 200, 200]
    assert reads[0].json()["count"] == 1
    assert change.status_code == 200, change.content
    assert Partner.objects.get(pk=partner.pk).name == "Helix Health"
    assert any("unavailable" in message for message in _warnings(caplog))


def test_an_idempotent_post_with_the_cache_down_is_handled_without_replay(
    api_client, manager, manager_token, cache_at, missing_url
):
    # given
    partner = PartnerFactory(owner=manager)
    cache_at(missing_url)
    # when: the same key twice (with another address, which the cache would answer with a 422)
    responses = [
        api_client.post(
            "/api/v1/contacts/",
            {"partner": partner.pk, "name": "Ines Berg", "email": email, "role": "technical"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="k-1",
            **manager_token,
        )
        for email in ("ines@helix.example", "ines.berg@helix.example")
    ]
    # then: both handled as if they carried no key (no replay or check is possible without the
    # cache), neither refused nor failed
    assert [response.status_code for response in responses] == [201, 201]
    assert not any(response.has_header("Idempotent-Replayed") for response in responses)
    assert Contact.objects.filter(partner=partner).count() == 2


def test_a_hung_cache_does_not_slow_the_api_down(api_client, manager, manager_token, cache_at, hung_url):
    # given
    PartnerFactory.create_batch(3, owner=manager)
    api_client.get("/api/v1/partners/", **manager_token)  # warm: the first request of a process pays extra
    cache_at(hung_url)
    # when
    timings = []
    for _ in range(10):
        response, took = _timed(lambda: api_client.get("/api/v1/partners/", **manager_token))
        assert response.status_code == 200
        timings.append(took)
    # then: one request waits for the timeout (once for the cache and its throttles), none after it
    assert max(timings) < 2 * TIMEOUT + 0.5, timings
    assert statistics.median(timings) < 0.2, timings


def test_logging_in_and_the_pages_work_with_redis_down(
    client, cache_at, broker_at, missing_url, django_capture_on_commit_callbacks
):
    # given: sessions live in PostgreSQL; the cache (allauth's rate limits) and the broker are gone
    assert django_settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    user = UserFactory(role="manager")
    partner = PartnerFactory(owner=user)
    cache_at(missing_url)
    broker_at(missing_url)
    # when: a wrong password, then the right one, then pages and a form that writes
    wrong, wrong_took = _timed(lambda: client.post("/accounts/login/", {"login": user.email, "password": "nope"}))
    right = client.post("/accounts/login/", {"login": user.email, "password": DEFAULT_PASSWORD})
    pages = [client.get(url) for url in ("/", "/partners/", f"/partners/{partner.pk}/", "/partners/?region=DACH")]
    with django_capture_on_commit_callbacks(execute=True):
        added = client.post(
            f"/partners/{partner.pk}/contacts/new/",
            {"name": "Anna Berg", "email": "anna@helix.example", "role": "sales"},
        )
    # then
    assert wrong.status_code == 200 and wrong_took < 2 * TIMEOUT + 1.0  # refused, not rate-limited or failed
    assert right.status_code == 302, right.content
    assert [page.status_code for page in pages] == [200, 200, 200, 200]
    assert added.status_code == 302, added.content
    assert Contact.objects.filter(partner=partner, email="anna@helix.example").exists()


# --- readiness -------------------------------------------------------------------------


def test_readiness_names_the_broker_and_the_cache_within_two_seconds(client, cache_at, broker_at, missing_url):
    # given
    cache_at(missing_url)
    broker_at(missing_url)
    # when
    response, took = _timed(lambda: client.get("/readyz/"))
    # then
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "unavailable", "cache": "unavailable"}
    assert took < 2.0


# --- the broker: writes commit, their follow-up work waits in PostgreSQL ----------------


def test_publishing_gives_up_within_a_second_then_skips_the_broker(broker_at, missing_url, caplog):
    # given
    broker_at(missing_url)
    # when
    with caplog.at_level(logging.WARNING):
        first, first_took = _timed(lambda: enqueue(run_plan_task, 1))
        rest, rest_took = _timed(lambda: [enqueue(run_plan_task, 1) for _ in range(20)])
    # then
    assert first is False and rest == [False] * 20
    assert first_took < 2 * TIMEOUT + 0.5  # one timeout (and the scheduler's slack on a busy machine)
    assert rest_took < 0.05
    assert len([message for message in _warnings(caplog) if "broker" in message]) == 1


def test_the_broker_is_tried_again_after_broker_retry_after(broker_at):
    # given: the test broker, just marked unavailable for a one-second window
    broker_at(celery_app.conf.broker_url)
    harmless = celery_app.tasks["celery.accumulate"]  # a worker that takes it only returns its arguments
    broker_breaker().trip(ConnectionError("refused"), retry_after=1, consequence="test")
    # when
    skipped, skipped_took = _timed(lambda: enqueue(harmless, 1))
    time.sleep(1.1)
    sent = enqueue(harmless, 2)
    # then: skipped inside the window without trying, published after it
    assert (skipped, sent) == (False, True)
    assert skipped_took < 0.05


def test_a_partner_change_commits_and_its_event_waits_for_the_sweep_with_the_broker_down(
    api_client, manager, manager_token, broker_at, missing_url, django_capture_on_commit_callbacks
):
    # given
    partner = PartnerFactory(owner=manager, name="Helix")
    broker_at(missing_url)
    # when: the dispatcher cannot be queued after the commit
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.patch(f"/api/v1/partners/{partner.pk}/", {"name": "Helix Health"}, **manager_token)
    # then: the change and its event are in PostgreSQL, the event not yet fanned out
    assert response.status_code == 200, response.content
    assert Partner.objects.get(pk=partner.pk).name == "Helix Health"
    event = Event.objects.get(type="partner.updated", object_id=str(partner.pk))
    assert event.dispatched_at is None
    # when: the sweep runs (the broker is back), past its grace period
    Event.objects.filter(pk=event.pk).update(created_at=timezone.now() - timedelta(minutes=1))
    outbox_sweep()
    # then
    event.refresh_from_db()
    assert event.dispatched_at is not None


def test_a_run_started_without_the_broker_waits_queued_and_the_watchdog_starts_it(
    manager, broker_at, missing_url, django_capture_on_commit_callbacks
):
    # given: a strategy and a partner it manages
    strategy = Strategy.objects.get(partner_type="business")
    strategy_publish(
        strategy_id=strategy.pk, actor=manager, rules=[{"kind": "inactivity", "params": {"days": 30}, "scope": {}}]
    )
    PartnerFactory(type="business", last_activity_at=timezone.now() - timedelta(days=90))
    broker_at(missing_url)
    # when: "run now" while the broker is down
    with django_capture_on_commit_callbacks(execute=True):
        started = run_start(strategy_id=strategy.pk, actor=manager, trigger="manual")
    # then: the request succeeded and the run waits
    assert StrategyRun.objects.get(pk=started.pk).status == "queued"
    # when: the broker is back (tasks run eagerly again) and the watchdog looks a minute later
    celery_app.conf.task_always_eager = True
    with django_capture_on_commit_callbacks(execute=True):
        report = runs_watch(now=timezone.now() + timedelta(minutes=2))
    # then
    assert report == {"resumed": 1, "failed": 0}
    finished = StrategyRun.objects.get(pk=started.pk)
    assert finished.status == "succeeded"
    assert finished.outcomes_created == 1


def test_the_watchdog_counts_no_attempt_when_the_broker_takes_nothing(
    manager, broker_at, missing_url, django_capture_on_commit_callbacks
):
    # given: a queued run whose plan message was lost
    strategy = Strategy.objects.get(partner_type="business")
    with django_capture_on_commit_callbacks(execute=False):
        started = run_start(strategy_id=strategy.pk, actor=manager, trigger="manual")
    broker_at(missing_url)
    # when: the watchdog runs while the broker is still down
    report = runs_watch(now=timezone.now() + timedelta(minutes=2))
    # then: nothing claimed to be resumed, the run still waits for the next watch
    assert report == {"resumed": 0, "failed": 0}
    assert StrategyRun.objects.get(pk=started.pk).status == "queued"


def test_changes_of_a_partner_without_the_broker_leave_one_queued_event_run_per_strategy(
    manager, broker_at, missing_url, django_capture_on_commit_callbacks
):
    # given: a channel partner (one active strategy manages channel partners)
    partner = PartnerFactory(type="channel", owner=manager)
    broker_at(missing_url)
    # when: two changes, each queuing its re-evaluation after commit
    with django_capture_on_commit_callbacks(execute=True):
        partner_update(partner_id=partner.pk, actor=manager, name="Helix Health")
    with django_capture_on_commit_callbacks(execute=True):
        partner_update(partner_id=partner.pk, actor=manager, engagement="strategic")
    # then: the re-evaluation waits in PostgreSQL, once
    runs = StrategyRun.objects.filter(trigger="event", partner_ids=[partner.pk])
    assert list(runs.values_list("status", "strategy__partner_type")) == [("queued", "channel")]
