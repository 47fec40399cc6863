"""The events of imports, and who hears about them.

``import.rows`` carries what a real import did to up to 100 rows (partners and contacts as they
now are, with the changes), instead of a ``partner.created`` per row that would flood
subscribers; ``import.finished`` closes every import and dry run, and is the one message its
importer gets.
"""

from __future__ import annotations

from django.urls import reverse

from partners.imports.models import Import
from partners.notifications.categories import STAFF, Category, Message, register_category
from partners.notifications.models import Delivery
from partners.outbox.services import event_record
from partners.outbox.types import register_event_type


def import_snapshot(run: Import) -> dict:
    return {
        "id": run.pk,
        "kind": run.kind,
        "dry_run": run.dry_run,
        "state": run.state,
        "file": run.file.name,
        "rows": run.rows_done,
        "summary": run.summary,
        "error": run.error,
        "created_by": run.created_by_id,
        "report_url": f"/api/v1/imports/{run.pk}/report/",
    }


def import_finished_event(run: Import) -> None:
    event_record(
        type="import.finished", object_type="import", object_id=run.pk, partner_id=None,
        data=import_snapshot(run), actor=run.created_by,
    )  # fmt: skip


def _importer(events, batch):
    for event in events:
        if event.data.get("created_by"):
            yield event, int(event.data["created_by"])


def _describe(event, batch) -> Message:
    data = event.data
    summary = data.get("summary") or {}
    what = "Dry run" if data.get("dry_run") else "Import"
    if data.get("state") == Import.State.FAILED:
        return Message(title=f"{what} of {data.get('file')} failed", body=data.get("error") or "")
    counts = ", ".join(f"{summary.get(key, 0):,} {label}" for key, label in (
        ("create", "to create" if data.get("dry_run") else "created"),
        ("update", "to update" if data.get("dry_run") else "updated"),
        ("unchanged", "unchanged"),
        ("error", "with errors"),
    ))  # fmt: skip
    try:
        link = reverse("import-detail", args=[event.object_id])
    except Exception:
        link = ""
    return Message(title=f"{what} of {data.get('file')} finished", body=f"Rows: {counts}.", link=link)


def register() -> None:
    register_event_type(
        "import.rows",
        "Up to 100 rows a CSV import created or updated: each row's number, action, the partner and contact as "
        "they now are, and `changes` (from/to) for updates.",
    )
    register_event_type(
        "import.finished",
        "A CSV import or its dry run ended, with its counts and the report's address.",
    )
    register_category(
        Category(
            code="imports",
            label="Finished imports",
            description="A CSV import or dry run you started has ended, with its counts.",
            audience=STAFF,
            default=Delivery.IMMEDIATELY,
            event_types=("import.finished",),
            recipients=_importer,
            describe=_describe,
            notify_actor=True,
        )
    )
