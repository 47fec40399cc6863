"""What starts runs besides "run now": each strategy's schedule, and changes to a partner."""

from __future__ import annotations

from django.core.cache import cache

from partners.models import Partner
from prm.broker import enqueue
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
    to run after DEBOUNCE_SECONDS, later changes within that window queue nothing. Without the
    cache every change queues one (the cache answers "free"). Without the broker the event runs
    are recorded at once as queued runs (``partner_reevaluate_later``), which the run watchdog
    starts when the broker is back: called after the change committed, this never fails it.
    """
    from programs.strategies.tasks import partner_reevaluate_task  # tasks import the services

    debounce = f"strategies:reevaluate:{partner_id}"
    if not cache.add(debounce, 1, DEBOUNCE_SECONDS):
        return False
    if not enqueue(partner_reevaluate_task, partner_id, countdown=DEBOUNCE_SECONDS):
        cache.delete(debounce)  # nothing is pending: the next change may try the broker again
        partner_reevaluate_later(partner_id=partner_id)
    return True


def partner_reevaluate_later(*, partner_id: int) -> list[int]:
    """``partner_reevaluate`` for when the broker is down: the event runs wait in PostgreSQL as
    queued runs for the watchdog (``runs_watch``). A strategy that already has a queued event run
    of this partner alone gets no second one, so a burst of changes during an outage queues one
    run per strategy. Returns the runs' ids."""
    waiting = set(
        StrategyRun.objects.filter(
            status=StrategyRun.Status.QUEUED, trigger=StrategyRun.Trigger.EVENT, partner_ids=[partner_id]
        ).values_list("strategy_id", flat=True)
    )
    return partner_reevaluate(partner_id=partner_id, skip_strategies=waiting)


def partner_reevaluate(*, partner_id: int, skip_strategies: set[int] | frozenset[int] = frozenset()) -> list[int]:
    """Start an event run for the partner in every active strategy whose type and scope include it
    (but ``skip_strategies``); returns the runs' ids ([] for a partner that no longer exists)."""
    partner = Partner.objects.filter(pk=partner_id).only("type").first()
    if partner is None:
        return []
    started = []
    for strategy in Strategy.objects.filter(partner_type=partner.type, is_active=True).exclude(pk__in=skip_strategies):
        if strategy_partners(strategy=strategy).filter(pk=partner_id).exists():
            run = run_start(
                strategy_id=strategy.pk, actor=None, trigger=StrategyRun.Trigger.EVENT, partner_ids=[partner_id]
            )
            started.append(run.pk)
    return started


def partners_reevaluate_many(*, partner_ids: list[int]) -> list[int]:
    """Start one event run per active strategy over the given partners of its type (an import's),
    instead of one run per partner; the run keeps to the strategy's scope. Returns the runs' ids."""
    by_type: dict[str, list[int]] = {}
    for pk, partner_type in Partner.objects.filter(pk__in=partner_ids).values_list("pk", "type"):
        by_type.setdefault(partner_type, []).append(pk)
    started = []
    for strategy in Strategy.objects.filter(partner_type__in=list(by_type), is_active=True):
        run = run_start(
            strategy_id=strategy.pk,
            actor=None,
            trigger=StrategyRun.Trigger.EVENT,
            partner_ids=sorted(by_type[strategy.partner_type]),
        )
        started.append(run.pk)
    return started
