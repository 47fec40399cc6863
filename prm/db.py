"""Database housekeeping shared by the apps' bulk writers."""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model


def analyze(*models: type[Model], using: str = DEFAULT_DB_ALIAS) -> None:
    """Refresh the planner's statistics of the models' tables (one ``ANALYZE``), after a bulk write.

    Autovacuum analyses a table only once enough of it changed, and some time later; until then the
    planner plans with the old figures (a strategy run's 155,000 new outcomes looked like 271 rows)
    and may pick a plan that reads them all. ANALYZE reads a fixed-size sample, so it costs about the
    same at any table size. Call it after the writing transaction commits: inside it, it would wait
    for (and make wait) any other ANALYZE of the same table until that transaction ends.
    """
    if not models:
        return
    connection = connections[using]
    tables = ", ".join(dict.fromkeys(connection.ops.quote_name(model._meta.db_table) for model in models))
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


def delete_in_batches(queryset, *, batch: int = 5000) -> int:
    """Delete what ``queryset`` selects a batch of ids at a time, so a nightly prune never holds a
    long transaction or locks the whole backlog at once; returns how many rows went."""
    deleted = 0
    while True:
        ids = list(queryset.values_list("pk", flat=True)[:batch])
        if not ids:
            return deleted
        deleted += queryset.model.objects.filter(pk__in=ids).delete()[1].get(queryset.model._meta.label, 0)


def insert_rows(model: type[Model], columns: list[str], rows: list[tuple], *, returning_ids: bool = False) -> list[int]:
    """INSERT many rows with one statement per 1,000, values already in database form (JSON as
    ``psycopg2.extras.Json``, foreign keys as ids); returns the new ids, in order, when asked.

    ``bulk_create`` prepares every field of every instance in Python, which costs more than the
    insert itself for a chunk of an import; bulk writers that hold plain values use this instead.
    """
    from psycopg2.extras import execute_values

    if not rows:
        return []
    connection = connections[DEFAULT_DB_ALIAS]
    quote = connection.ops.quote_name
    # names from the model's metadata, quoted; the values travel as parameters
    table, names = quote(model._meta.db_table), ", ".join(map(quote, columns))
    sql = f"INSERT INTO {table} ({names}) VALUES %s" + (" RETURNING id" if returning_ids else "")  # noqa: S608
    with connection.cursor() as cursor:
        result = execute_values(cursor.cursor, sql, rows, page_size=1000, fetch=returning_ids)
    return [row[0] for row in result] if returning_ids else []
