"""Outbox events of the strategies slice: outcomes created and closed, runs finished.

Payloads name the partner's owner and the assignee so notifications can address them; the
webhook channel strips those for partner-scoped subscribers.
"""

from __future__ import annotations

from collections.abc import Iterable

from partners.outbox.services import EventDraft, events_record
from programs.strategies.models import Outcome, StrategyRun


def outcome_events(*, type: str, outcome_ids: Iterable[int], actor=None) -> int:
    """Record ``outcome.created`` or ``outcome.closed`` for these outcomes with one read and one
    INSERT, in the caller's transaction; returns how many."""
    ids = list(outcome_ids)
    if not ids:
        return 0
    rows = Outcome.objects.filter(pk__in=ids).order_by("pk").values(
        "pk", "partner_id", "partner__owner_id", "strategy_id", "run_id", "rule_kind", "kind", "title",
        "audience", "assignee_id", "due_on", "state", "note",
    )  # fmt: skip
    drafts = []
    for row in rows:
        data = {
            "id": row["pk"],
            "partner": row["partner_id"],
            "strategy": row["strategy_id"],
            "run": row["run_id"],
            "rule_kind": row["rule_kind"],
            "kind": row["kind"],
            "title": row["title"],
            "audience": row["audience"],
            "assignee": row["assignee_id"],
            "partner_owner": row["partner__owner_id"],
            "due_on": row["due_on"].isoformat() if row["due_on"] else None,
            "state": row["state"],
        }
        if type == "outcome.closed":
            data["note"] = row["note"]
        drafts.append(
            EventDraft(type=type, object_type="outcome", object_id=row["pk"], partner_id=row["partner_id"], data=data)
        )
    return len(events_record(drafts, actor=actor))


def run_finished_event(*, run_id: int) -> None:
    """Record ``run.finished`` with the run's final counts (staff-only: no partner)."""
    run = StrategyRun.objects.select_related("strategy").get(pk=run_id)
    events_record(
        [
            EventDraft(
                type="run.finished",
                object_type="run",
                object_id=run.pk,
                partner_id=None,
                data={
                    "id": run.pk,
                    "partner": None,
                    "strategy": run.strategy_id,
                    "strategy_name": run.strategy.name,
                    "version": run.version_id,
                    "trigger": run.trigger,
                    "dry_run": run.dry_run,
                    "status": run.status,
                    "started_by": run.requested_by_id,
                    "partners_total": run.partners_total,
                    "partners_evaluated": run.partners_evaluated,
                    "outcomes_created": run.outcomes_created,
                    "outcomes_unchanged": run.outcomes_unchanged,
                    "outcomes_closed": run.outcomes_closed,
                    "error": run.error,
                },
            )
        ]
    )
