"""Celery entry points of strategy runs: thin, idempotent, safe to deliver twice."""

from celery import shared_task

from programs.strategies import runs


@shared_task
def plan_run(run_id: int) -> int:
    return runs.run_plan(run_id=run_id)


@shared_task
def evaluate_chunk(chunk_id: int) -> bool:
    return runs.chunk_evaluate(chunk_id=chunk_id)


@shared_task
def finish_run(run_id: int) -> bool:
    return runs.run_finish(run_id=run_id)


@shared_task
def watch_runs() -> dict:
    """Periodic: resume or fail runs whose chunks stopped reporting."""
    return runs.runs_watch()


@shared_task
def run_scheduled(strategy_id: int) -> int:
    """Beat's entry point for a strategy's schedule; a run already going is reused."""
    from programs.strategies.models import Strategy

    if not Strategy.objects.filter(pk=strategy_id, is_active=True).exists():
        return 0
    return runs.run_start(strategy_id=strategy_id, actor=None, trigger="schedule").pk


@shared_task
def reevaluate_partner(partner_id: int) -> list[int]:
    """A partner changed: evaluate it alone in the strategies that manage it."""
    from programs.strategies.triggers import partner_reevaluate

    return partner_reevaluate(partner_id=partner_id)
