import json
import time
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from partners.services import partner_create, partner_update
from prm.celery import app as celery_app
from programs.strategies.models import Strategy, StrategyRun
from programs.strategies.services import strategy_update, triggers
from programs.strategies.tasks import partner_reevaluate_task, strategy_run_scheduled_task
from tests.factories import UserFactory
from tests.fixtures.worker import wait_for

pytestmark = pytest.mark.django_db


def test_every_default_strategy_has_its_schedule_in_beat():
    # when
    tasks = PeriodicTask.objects.filter(task="programs.strategies.strategy_run_scheduled")
    # then
    assert tasks.count() == 6
    strategy = Strategy.objects.get(partner_type="channel")
    task = tasks.get(kwargs=json.dumps({"strategy_id": strategy.pk}))
    assert (task.crontab.minute, task.crontab.hour) == ("40", "3")
    assert task.enabled


def test_editing_the_schedule_or_pausing_a_strategy_updates_beat(manager):
    # given
    strategy = Strategy.objects.get(partner_type="sales")
    # when
    strategy_update(strategy_id=strategy.pk, actor=manager, schedule="15 6 * * 1-5", is_active=False)
    # then
    task = PeriodicTask.objects.get(kwargs=json.dumps({"strategy_id": strategy.pk}))
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_week) == ("15", "6", "1-5")
    assert task.enabled is False
    assert strategy_run_scheduled_task(strategy.pk) == 0  # a paused strategy does not run


@pytest.fixture
def enqueued(monkeypatch) -> list[tuple[list, int | None]]:
    """Every publish of the re-evaluation task, as (args, countdown); the task is still published
    (so it runs, eagerly, in unit tests), but eager runs ignore the countdown, so it is read here."""
    calls = []
    publish = partner_reevaluate_task.apply_async

    def record(args=None, kwargs=None, **options):
        calls.append((list(args), options.get("countdown")))
        return publish(args=args, kwargs=kwargs, **options)

    monkeypatch.setattr(partner_reevaluate_task, "apply_async", record)
    return calls


def test_a_changed_partner_is_reevaluated_alone_once_per_burst(
    manager, django_capture_on_commit_callbacks, enqueued, monkeypatch
):
    # given: a new partner (its first change)
    with django_capture_on_commit_callbacks(execute=True):
        partner = partner_create(actor=manager, name="Helix", type="channel", country="DE", status="onboarding")
    # when: two more changes in the same burst, and a change of another partner meanwhile
    with django_capture_on_commit_callbacks(execute=True):
        partner_update(partner_id=partner.pk, actor=manager, name="Helix Health")
        partner_update(partner_id=partner.pk, actor=manager, engagement="strategic")
        other = partner_create(actor=manager, name="Nordwind", type="sales", country="SE")
    # then: one re-evaluation per partner, held back for the whole debounce window
    assert triggers.DEBOUNCE_SECONDS == 30
    assert enqueued == [([partner.pk], 30), ([other.pk], 30)]
    # and it evaluates the partner alone: one event run per strategy managing it, for this partner only
    runs = StrategyRun.objects.filter(trigger="event", strategy__partner_type="channel")
    assert runs.count() == 1
    run = runs.get()
    assert run.partner_ids == [partner.pk]
    assert run.status == "succeeded"
    assert list(StrategyRun.objects.filter(trigger="event").order_by("pk").values_list("partner_ids", flat=True)) == [
        [partner.pk],
        [other.pk],
    ]
    # when: with a window of a second, a partner changes, changes within the window, and changes after it
    monkeypatch.setattr(triggers, "DEBOUNCE_SECONDS", 1)
    enqueued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        third = partner_create(actor=manager, name="Bluepeak", type="sales", country="NO")
        partner_update(partner_id=third.pk, actor=manager, name="Bluepeak AS")
    time.sleep(1.5)
    with django_capture_on_commit_callbacks(execute=True):
        partner_update(partner_id=third.pk, actor=manager, engagement="strategic")
        partner_update(partner_id=partner.pk, actor=manager, name="Helix Health GmbH")
    # then: the change after the window is re-evaluated again; Helix's 30 s window is still open
    assert enqueued == [([third.pk], 1), ([third.pk], 1)]


@pytest.mark.worker
def test_a_real_worker_holds_the_reevaluation_of_a_burst_until_its_window_has_passed(worker, monkeypatch):
    # given: a window of a few seconds, so the test can wait it out
    monkeypatch.setattr(triggers, "DEBOUNCE_SECONDS", 5)
    manager = UserFactory(role="manager")
    # when: a burst of three changes, each committed
    burst_started = timezone.now()
    partner = partner_create(actor=manager, name="Helix", type="channel", country="DE", status="onboarding")
    partner_update(partner_id=partner.pk, actor=manager, name="Helix Health")
    partner_update(partner_id=partner.pk, actor=manager, engagement="strategic")
    # then: the worker holds one re-evaluation of the partner, due when the window has passed
    scheduled = celery_app.control.inspect(destination=[worker.name], timeout=1).scheduled()[worker.name]
    # (an earlier worker test's partner may still be held too: each test's partner is its own)
    held = [
        entry
        for entry in scheduled
        if entry["request"]["name"] == partner_reevaluate_task.name and entry["request"]["args"] == [partner.pk]
    ]
    assert len(held) == 1
    assert datetime.fromisoformat(held[0]["eta"]) >= burst_started + timedelta(seconds=5)
    assert not StrategyRun.objects.filter(trigger="event").exists()
    # and runs it then: one event run, for this partner alone, started after the window
    wait_for(
        lambda: StrategyRun.objects.filter(trigger="event", status="succeeded").exists(),
        timeout=30,
        what="the event run",
    )
    run = StrategyRun.objects.get(trigger="event")
    assert (run.strategy.partner_type, run.partner_ids) == ("channel", [partner.pk])
    assert run.created_at >= burst_started + timedelta(seconds=5)
