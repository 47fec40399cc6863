"""Thin entry points over programs.certifications.services, under stable names beat's schedules use."""

from celery import shared_task

from programs.certifications.services import certifications_announce_expiring


@shared_task(name="programs.certifications.certifications_announce_expiring")
def certifications_announce_expiring_task() -> int:
    """Every day: announce verified certifications expiring within 30 days, once per expiry."""
    return certifications_announce_expiring()
