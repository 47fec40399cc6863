"""Thin entry points over programs.deals.services, under stable names beat's schedules use."""

from celery import shared_task

from programs.deals.services import deals_expire, deals_remind


@shared_task(name="programs.deals.deals_expire")
def deals_expire_task() -> int:
    """Every hour: expire what is no longer protected or whose close date passed; idempotent."""
    return deals_expire()


@shared_task(name="programs.deals.deals_remind")
def deals_remind_task() -> int:
    """Every hour: announce protections that end within the reminder days, once each."""
    return deals_remind()
