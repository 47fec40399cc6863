"""What starts runs besides "run now": each strategy's schedule, and changes to a partner."""

from __future__ import annotations

from django.core.cache import cache

from partners.models import Partner
from programs.strategies.models import Strategy, StrategyRun
from programs.strategies.selectors import strategy_partners
from programs.strategies.services.runs import run_start

DEBOUNCE_SECONDS = 30


def strategy_run_scheduled(*, strategy_id: int) -> StrategyRun | None:
    """Beat's run of a strategy on its schedule: a live run of its current version, or None when
    the strategy is paused or has no published version. A run already queued or running is
    returned instead of a second one (``run_start``)."""
    if not Strategy.objects.filter(pk=strategy_id, is_active=True, current_version__isnull=False).exists():
        return None
    return run_start(strategy_id=strategy_id, actor=None, trigger=StrategyRun.Trigger.SCHEDULE)


def partner_changed(*, partner_id: int) -> bool:
    """Re-evaluate a changed partner once the burst of changes settles; False when one is pending.

    The cache key is the debounce: the first change of a burst queues ``partner_reevaluate_task``
    to run after DEBOUNCE_SECONDS, later changes within that window queue nothing.
    """
    from programs.strategies.tasks import partner_reevaluate_task  # tasks import the services

    if not cache.add(f"strategies:reevaluate:{partner_id}", 1, DEBOUNCE_SECONDS):
        return False
    partner_reevaluate_task.apply_async(args=[partner_id], countdown=DEBOUNCE_SECONDS)
    return True


def partner_reevaluate(*, partner_id: int) -> list[int]:
    """Start an event run for the partner in every active strategy whose type and scope include it;
    returns the runs' ids ([] for a partner that no longer exists)."""
    partner = Partner.objects.filter(pk=partner_id).only("type").first()
    if partner is None:
        return []
    started = []
    for strategy in Strategy.objects.filter(partner_type=partner.type, is_active=True):
        if strategy_partners(strategy=strategy).filter(pk=partner_id).exists():
            run = run_start(
                strategy_id=strategy.pk, actor=None, trigger=StrategyRun.Trigger.EVENT, partner_ids=[partner_id]
            )
            started.append(run.pk)
    return started
