"""Celery discovers tasks in ``<app>.tasks``; the programs' tasks live with their slices."""

from programs.certifications.tasks import certifications_announce_expiring_task  # noqa: F401
from programs.deals.tasks import deals_expire_task, deals_remind_task  # noqa: F401
from programs.leads.tasks import lead_route_task, leads_enforce_sla_task, leads_route_task  # noqa: F401
from programs.onboarding.tasks import onboardings_sweep_task  # noqa: F401
from programs.strategies.tasks import (  # noqa: F401
    chunk_evaluate_task,
    partner_reevaluate_task,
    run_finish_task,
    run_plan_task,
    runs_watch_task,
    strategy_run_scheduled_task,
)
