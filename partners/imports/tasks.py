"""Thin entry points over partners.imports.services, under stable names beat's schedules use."""

from celery import shared_task
from django.db import DatabaseError

from partners.imports.services import import_chunk, import_finish, import_read, imports_prune, imports_watch


@shared_task(name="partners.imports.import_read", autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5)
def import_read_task(import_id: int) -> str:
    """Split an import's file into chunks from where its reader stands; one reader at a time."""
    return import_read(import_id=import_id)


@shared_task(name="partners.imports.import_chunk", autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5)
def import_chunk_task(chunk_id: int) -> bool:
    """Process one chunk of rows; a chunk already done is skipped, so a redelivery is harmless."""
    return import_chunk(chunk_id=chunk_id)


@shared_task(name="partners.imports.import_finish", autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5)
def import_finish_task(import_id: int) -> bool:
    """Close an import whose chunks are all done; once, whoever calls it."""
    return import_finish(import_id=import_id)


@shared_task(name="partners.imports.imports_watch")
def imports_watch_task() -> dict:
    """Every minute: queue again readers, chunks and finishes no worker is on."""
    return imports_watch()


@shared_task(name="partners.imports.imports_prune")
def imports_prune_task() -> int:
    """Nightly: forget imports, their reports and files after IMPORT_RETENTION_DAYS."""
    return imports_prune()
