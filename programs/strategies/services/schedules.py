"""Each strategy's schedule as beat's periodic task (django-celery-beat keeps schedules as data)."""

from __future__ import annotations

import json

from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from programs.strategies.models import Strategy

# the stable name of the task beat starts (programs.strategies.tasks.strategy_run_scheduled_task)
SCHEDULED_RUN_TASK = "programs.strategies.strategy_run_scheduled"


def schedule_name(strategy: Strategy) -> str:
    return f"Strategy {strategy.pk}: {strategy.name}"


@transaction.atomic
def strategy_schedule_sync(*, strategy: Strategy) -> PeriodicTask:
    """Make beat's periodic task for the strategy match its cron schedule and active flag.

    One periodic task per strategy (found by its kwargs), created or updated in place, so
    calling it twice changes nothing more.
    """
    minute, hour, day_of_month, month_of_year, day_of_week = strategy.schedule.split()
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=minute, hour=hour, day_of_month=day_of_month, month_of_year=month_of_year,
        day_of_week=day_of_week, timezone="UTC",
    )  # fmt: skip
    task, _ = PeriodicTask.objects.update_or_create(
        kwargs=json.dumps({"strategy_id": strategy.pk}),
        task=SCHEDULED_RUN_TASK,
        defaults={"name": schedule_name(strategy), "crontab": crontab, "interval": None, "enabled": strategy.is_active},
    )
    return task
