import json

import pytest
from django_celery_beat.models import PeriodicTask

from partners.services import partner_create, partner_update
from programs.strategies.models import Strategy, StrategyRun
from programs.strategies.services import strategy_update
from programs.strategies.tasks import run_scheduled

pytestmark = pytest.mark.django_db


def test_every_default_strategy_has_its_schedule_in_beat():
    # when
    tasks = PeriodicTask.objects.filter(task="programs.strategies.tasks.run_scheduled")
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
    assert run_scheduled(strategy.pk) == 0  # a paused strategy does not run


def test_a_changed_partner_is_reevaluated_alone_once_per_burst(manager, django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        partner = partner_create(actor=manager, name="Helix", type="channel", country="DE", status="onboarding")
    # when: two more changes in the same burst
    with django_capture_on_commit_callbacks(execute=True):
        partner_update(partner_id=partner.pk, actor=manager, name="Helix Health")
        partner_update(partner_id=partner.pk, actor=manager, engagement="strategic")
    # then: one event run per strategy managing the partner, for this partner only
    runs = StrategyRun.objects.filter(trigger="event")
    assert runs.count() == 1
    run = runs.get()
    assert run.strategy.partner_type == "channel"
    assert run.partner_ids == [partner.pk]
    assert run.status == "succeeded"
