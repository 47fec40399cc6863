"""Reads: which imports a login may see, their rows, and the report as CSV lines."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.db.models import QuerySet

from partners.imports.models import Import, ImportFile, ImportRow
from partners.roles import Role, role_of
from prm.spreadsheets import csv_safe

REPORT_HEADER = ("row", "action", "id", "name", "messages", "changes")
REPORT_CHUNK = 2000


def may_read_imports(user) -> bool:
    """Staff read every import (they read every partner); partner logins none."""
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def may_run_imports(user) -> bool:
    """Administrators and partner managers import; analysts only read."""
    return may_read_imports(user) and role_of(user) in (Role.ADMIN, Role.MANAGER)


def import_list(*, user) -> QuerySet[Import]:
    """Newest first; none for a login that may not read imports."""
    if not may_read_imports(user):
        return Import.objects.none()
    return Import.objects.select_related("file", "created_by").order_by("-created_at", "-id")


def import_get(*, user, import_id: int) -> Import:
    """Import.DoesNotExist outside the caller's reach, as for an id that does not exist."""
    return import_list(user=user).get(pk=import_id)


def import_file_get(*, user, file_id: int) -> ImportFile:
    """An uploaded file, for those who may run imports (ImportFile.DoesNotExist otherwise)."""
    if not may_run_imports(user):
        raise ImportFile.DoesNotExist
    return ImportFile.objects.get(pk=file_id)


def import_rows(*, run: Import, action: str | None = None) -> QuerySet[ImportRow]:
    rows = ImportRow.objects.filter(run=run)
    if action:
        rows = rows.filter(action=action)
    return rows.order_by("number")


def _messages(messages: dict) -> str:
    return "; ".join(f"{field}: {' '.join(texts)}" for field, texts in messages.items())


def _changes(changes: dict) -> str:
    return "; ".join(f"{field}: {_text(old)} → {_text(new)}" for field, (old, new) in changes.items())


def _text(value) -> str:
    if value is None or value == "":
        return "(empty)"
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def report_lines(*, run: Import, action: str | None = None) -> Iterator[str]:
    """The report, every row with what happened, as CSV text in pieces; a server-side cursor keeps
    memory flat however many rows the file had. Every cell goes through ``csv_safe``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # spreadsheet programs read the file as UTF-8
    writer.writerow(REPORT_HEADER)
    rows = import_rows(run=run, action=action).values_list(
        "number", "action", "object_id", "label", "messages", "changes"
    )
    for count, (number, row_action, object_id, label, messages, changes) in enumerate(rows.iterator(REPORT_CHUNK), 1):
        writer.writerow(
            [
                number,
                row_action,
                object_id or "",
                csv_safe(label),
                csv_safe(_messages(messages)),
                csv_safe(_changes(changes)),
            ]
        )
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
