"""Thin entry points over partners.imports.services, under stable names beat's schedules use."""

from celery import shared_task
from django.db import DatabaseError

from partners.imports.services import import_run, imports_prune, imports_watch


@shared_task(name="partners.imports.import_run", autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5)
def import_run_task(import_id: int) -> str:
    """Work through an import from where it stands; safe to deliver twice (one worker holds it)."""
    return import_run(import_id=import_id)


@shared_task(name="partners.imports.imports_watch")
def imports_watch_task() -> int:
    """Every minute: start again imports whose worker died or whose message was lost."""
    return imports_watch()


@shared_task(name="partners.imports.imports_prune")
def imports_prune_task() -> int:
    """Nightly: forget imports, their reports and files after IMPORT_RETENTION_DAYS."""
    return imports_prune()
