"""Celery discovers tasks in ``<app>.tasks``; the programs' tasks live with their sub-packages."""

from programs.strategies.tasks import evaluate_chunk, finish_run, plan_run, watch_runs  # noqa: F401
