"""What starts runs besides "run now": each strategy's schedule, and changes to a partner."""

from __future__ import annotations

import json

from django.core.cache import cache
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from partners.models import Partner
from programs.strategies.models import Strategy
from programs.strategies.selectors import strategy_partners

DEBOUNCE_SECONDS = 30


def schedule_name(strategy: Strategy) -> str:
    return f"Strategy {strategy.pk}: {strategy.name}"


@transaction.atomic
def strategy_schedule_sync(*, strategy: Strategy) -> PeriodicTask:
    """Make beat's periodic task for the strategy match its cron schedule and active flag."""
    minute, hour, day_of_month, month_of_year, day_of_week = strategy.schedule.split()
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=minute, hour=hour, day_of_month=day_of_month, month_of_year=month_of_year,
        day_of_week=day_of_week, timezone="UTC",
    )  # fmt: skip
    task, _ = PeriodicTask.objects.update_or_create(
        kwargs=json.dumps({"strategy_id": strategy.pk}),
        task="programs.strategies.tasks.run_scheduled",
        defaults={"name": schedule_name(strategy), "crontab": crontab, "interval": None, "enabled": strategy.is_active},
    )
    return task


def partner_changed(*, partner_id: int) -> bool:
    """Re-evaluate a changed partner once the burst of changes settles; False when one is pending."""
    from programs.strategies.tasks import reevaluate_partner

    if not cache.add(f"strategies:reevaluate:{partner_id}", 1, DEBOUNCE_SECONDS):
        return False
    reevaluate_partner.apply_async(args=[partner_id], countdown=DEBOUNCE_SECONDS)
    return True


def partner_reevaluate(*, partner_id: int) -> list[int]:
    """Start an event run for the partner in every active strategy whose type and scope include it."""
    from programs.strategies.runs import run_start

    partner = Partner.objects.filter(pk=partner_id).only("type").first()
    if partner is None:
        return []
    started = []
    for strategy in Strategy.objects.filter(partner_type=partner.type, is_active=True):
        if strategy_partners(strategy=strategy).filter(pk=partner_id).exists():
            run = run_start(strategy_id=strategy.pk, actor=None, trigger="event", partner_ids=[partner_id])
            started.append(run.pk)
    return started
