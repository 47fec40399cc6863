"""Celery entry points of the strategies slice: thin, idempotent, safe to deliver twice.

Each task is its service's name with ``_task`` and is registered under an explicit, stable name
(``programs.strategies.<service>``), so moving code never orphans a queued message or a schedule
stored in beat's tables. Tasks take ids, and the services they call re-read the state.
"""

from celery import shared_task

from programs.strategies import services


@shared_task(name="programs.strategies.run_plan")
def run_plan_task(run_id: int) -> int:
    """Claim a queued run and queue its chunks (``run_plan``); 0 when another delivery claimed it."""
    return services.run_plan(run_id=run_id)


@shared_task(name="programs.strategies.chunk_evaluate")
def chunk_evaluate_task(chunk_id: int) -> bool:
    """Evaluate one chunk (``chunk_evaluate``); False for a chunk already done or a stopped run."""
    return services.chunk_evaluate(chunk_id=chunk_id)


@shared_task(name="programs.strategies.run_finish")
def run_finish_task(run_id: int) -> bool:
    """Close what the run no longer produces and mark it succeeded (``run_finish``), once."""
    return services.run_finish(run_id=run_id)


@shared_task(name="programs.strategies.runs_watch")
def runs_watch_task() -> dict:
    """Periodic (beat, every minute): resume or fail runs whose chunks stopped reporting (``runs_watch``)."""
    return services.runs_watch()


@shared_task(name="programs.strategies.strategy_run_scheduled")
def strategy_run_scheduled_task(strategy_id: int) -> int:
    """Beat's entry point for a strategy's schedule (``strategy_run_scheduled``): the run's id, or 0
    for a paused or unpublished strategy; a run already going is reused."""
    run = services.strategy_run_scheduled(strategy_id=strategy_id)
    return run.pk if run else 0


@shared_task(name="programs.strategies.partner_reevaluate")
def partner_reevaluate_task(partner_id: int) -> list[int]:
    """A partner changed: evaluate it alone in the strategies that manage it (``partner_reevaluate``)."""
    return services.partner_reevaluate(partner_id=partner_id)
