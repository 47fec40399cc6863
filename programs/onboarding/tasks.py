"""Thin entry points over programs.onboarding.services, under stable names beat's schedules use."""

from celery import shared_task

from programs.onboarding.services import onboardings_sweep


@shared_task(name="programs.onboarding.onboardings_sweep")
def onboardings_sweep_task() -> dict[str, int]:
    """Every hour: start, advance and end checklists the events missed; announce new overdue items."""
    return onboardings_sweep()
