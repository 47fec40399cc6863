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
