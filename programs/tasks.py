"""Celery discovers tasks in ``<app>.tasks``; the programs' tasks live with their sub-packages."""

from programs.strategies.tasks import (  # noqa: F401
    evaluate_chunk,
    finish_run,
    plan_run,
    reevaluate_partner,
    run_scheduled,
    watch_runs,
)
