"""Runs: a version evaluated over the partners in scope, in chunks, by Celery workers.

Delivery is at least once, so every step is idempotent: a run is claimed with a conditional
UPDATE, a chunk is marked done in the same transaction that writes its outcomes (a
redelivered chunk that already committed does nothing), outcomes are upserted on their
dedupe key, and the closing step claims the run once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from psycopg2.extras import execute_values

from partners.models import Partner
from prm.broker import enqueue, enqueue_on_commit
from prm.db import analyze
from prm.errors import FieldErrors
from programs.strategies.effects import effects_apply
from programs.strategies.events import outcome_events, run_finished_event
from programs.strategies.facts import partner_facts
from programs.strategies.models import HealthScore, Outcome, PreviewEntry, RunChunk, Strategy, StrategyRun
from programs.strategies.rules import Effect, OutcomeDraft, build_rules
from programs.strategies.selectors import strategy_partners
from programs.strategies.services.publish import rules_errors

STALE_AFTER = timedelta(minutes=5)
# a run still queued after this long lost its run_plan message (the broker was down when it was
# queued, or lost it); the watchdog sends it again (a second message is harmless: the plan claims once)
QUEUED_STALE_AFTER = timedelta(minutes=1)
MAX_CHUNK_ATTEMPTS = 5
Status = StrategyRun.Status


@dataclass(frozen=True)
class Produced:
    partner_id: int
    rule_index: int
    rule_kind: str
    draft: OutcomeDraft


def run_start(
    *,
    strategy_id: int,
    actor,
    trigger: str,
    dry_run: bool = False,
    partner_ids: list[int] | None = None,
    rules: list[dict] | None = None,
) -> StrategyRun:
    """Queue a run of the strategy's current version and plan it after commit.

    ``rules`` previews an unpublished draft instead (dry runs only; validated like a publish,
    FieldErrors when invalid). A second live full run while one is queued or running returns
    that one (the database allows one), so two "run now" clicks start one run.
    """
    from programs.strategies.tasks import run_plan_task  # tasks import the services

    if rules is not None:
        if not dry_run:
            raise ValueError("only a preview runs unpublished rules; publish them to run them live")
        errors = rules_errors(rules)
        if errors:
            raise FieldErrors(errors)

    strategy = Strategy.objects.select_related("current_version").get(pk=strategy_id)
    try:
        with transaction.atomic():
            run = StrategyRun.objects.create(
                strategy=strategy,
                version=strategy.current_version,
                trigger=trigger,
                dry_run=dry_run,
                partner_ids=partner_ids,
                rules=rules,
                requested_by=actor if actor and actor.pk else None,
            )
    except IntegrityError:
        return StrategyRun.objects.get(
            strategy=strategy, dry_run=False, partner_ids__isnull=True, status__in=[Status.QUEUED, Status.RUNNING]
        )
    enqueue_on_commit(run_plan_task, run.pk)  # without the broker the run waits, queued, for runs_watch
    return run


@transaction.atomic
def run_plan(*, run_id: int) -> int:
    """Claim a queued run, split its partners into chunks and queue one task per chunk.

    Returns the number of chunks queued (0 when another worker claimed the run first).
    """
    from programs.strategies.tasks import chunk_evaluate_task, run_finish_task

    now = timezone.now()
    if not StrategyRun.objects.filter(pk=run_id, status=Status.QUEUED).update(
        status=Status.RUNNING, started_at=now, heartbeat_at=now
    ):
        return 0
    run = StrategyRun.objects.select_related("strategy").get(pk=run_id)
    partners = strategy_partners(strategy=run.strategy)
    if run.partner_ids is not None:
        partners = partners.filter(pk__in=run.partner_ids)
    ids = list(partners.order_by("pk").values_list("pk", flat=True))
    size = settings.STRATEGY_CHUNK_SIZE
    chunks = RunChunk.objects.bulk_create(
        RunChunk(run=run, index=index, partner_ids=ids[start : start + size])
        for index, start in enumerate(range(0, len(ids), size))
    )
    StrategyRun.objects.filter(pk=run_id).update(partners_total=len(ids), chunks_total=len(chunks))
    for chunk in chunks:
        enqueue_on_commit(chunk_evaluate_task, chunk.pk)  # a lost chunk is resumed by runs_watch
    if not chunks:
        enqueue_on_commit(run_finish_task, run_id)
    return len(chunks)


def _produce(run: StrategyRun, partner_ids: list[int], today: date) -> tuple[list[Produced], list[tuple[int, Effect]]]:
    """The outcome drafts of every rule for every partner, and the effects a live run applies."""
    rules, errors = build_rules(run.rules if run.rules is not None else run.version.rules)
    if errors:  # versions are validated when published; this is a bug, not bad input
        raise ValueError(f"version {run.version_id} has invalid rules: {errors}")
    produced, effects = [], []
    for partner_id, facts in partner_facts(partner_ids=partner_ids, today=today).items():
        for index, rule in enumerate(rules):
            produced.extend(Produced(partner_id, index, rule.kind, draft) for draft in rule.evaluate_if_in_scope(facts))
            if not run.dry_run:
                effects.extend((partner_id, effect) for effect in rule.effects_if_in_scope(facts))
    return produced, effects


UPSERT = """
INSERT INTO programs_outcome (partner_id, strategy_id, version_id, run_id, rule_kind, rule_index, kind, title,
    explanation, evidence, audience, recommended_status, due_on, assignee_id, state, dedupe_key, note,
    created_at, updated_at)
VALUES %s
ON CONFLICT (strategy_id, dedupe_key) DO UPDATE SET run_id = EXCLUDED.run_id, updated_at = EXCLUDED.updated_at
    WHERE programs_outcome.state = 'open'
RETURNING id, (xmax = 0)
"""


def _store_outcomes(run: StrategyRun, produced: list[Produced], owners: dict[int, int | None]) -> tuple[int, int]:
    """Upsert the drafts on (strategy, dedupe key), recording ``outcome.created`` for the new ones;
    returns (created, unchanged)."""
    now = timezone.now()
    rows, seen = [], set()
    for item in produced:
        draft = item.draft
        if draft.kind == "score" or draft.dedupe in seen:
            continue
        seen.add(draft.dedupe)
        rows.append((
            item.partner_id, run.strategy_id, run.version_id, run.pk, item.rule_kind, item.rule_index, draft.kind,
            draft.title[:200], draft.explanation, json.dumps(draft.evidence, default=str), draft.audience,
            draft.recommended_status or "", draft.due_on, owners.get(item.partner_id), "open", draft.dedupe[:200],
            "", now, now,
        ))  # fmt: skip
    if not rows:
        return 0, 0
    with connection.cursor() as cursor:
        inserted = execute_values(cursor.cursor, UPSERT, rows, fetch=True)
    created_ids = [pk for pk, was_inserted in inserted if was_inserted]
    outcome_events(type="outcome.created", outcome_ids=created_ids)
    return len(created_ids), len(rows) - len(created_ids)


def _store_scores(run: StrategyRun, produced: list[Produced], today: date) -> None:
    scores = {item.partner_id: item.draft for item in produced if item.draft.kind == "score"}
    if not scores:
        return
    HealthScore.objects.bulk_create(
        [
            HealthScore(partner_id=pid, day=today, score=draft.score, components=draft.evidence, strategy=run.strategy)
            for pid, draft in scores.items()
        ],
        update_conflicts=True,
        unique_fields=["partner", "day"],
        update_fields=["score", "components", "strategy"],
    )
    with connection.cursor() as cursor:
        execute_values(
            cursor.cursor,
            "UPDATE partners_partner AS p SET health_score = v.score FROM (VALUES %s) AS v(id, score)"
            " WHERE p.id = v.id",
            [(pid, draft.score) for pid, draft in scores.items()],
        )


def _store_preview(run: StrategyRun, produced: list[Produced]) -> tuple[int, int]:
    drafts = {item.draft.dedupe: item for item in produced if item.draft.kind != "score"}
    open_keys = set(
        Outcome.objects.filter(
            strategy_id=run.strategy_id, state=Outcome.State.OPEN, dedupe_key__in=list(drafts)
        ).values_list("dedupe_key", flat=True)
    )
    PreviewEntry.objects.bulk_create(
        [
            PreviewEntry(
                run=run,
                action="keep" if key in open_keys else "create",
                partner_id=item.partner_id,
                rule_kind=item.rule_kind,
                kind=item.draft.kind,
                title=item.draft.title[:200],
                explanation=item.draft.explanation,
                dedupe_key=key[:200],
            )
            for key, item in drafts.items()
        ],
        ignore_conflicts=True,
    )
    kept = len(open_keys)
    return len(drafts) - kept, kept


def chunk_evaluate(*, chunk_id: int, today: date | None = None) -> bool:
    """Evaluate one chunk and record its progress in one transaction; False when there was nothing to do."""
    from programs.strategies.tasks import run_finish_task

    today = today or timezone.localdate()
    with transaction.atomic():
        chunk = RunChunk.objects.select_for_update().select_related("run__version").get(pk=chunk_id)
        run = chunk.run
        if chunk.status == RunChunk.Status.DONE or run.status != Status.RUNNING:
            return False
        produced, effects = _produce(run, chunk.partner_ids, today)
        if run.dry_run:
            created, unchanged = _store_preview(run, produced)
        else:
            owners = dict(Partner.objects.filter(pk__in=chunk.partner_ids).values_list("pk", "owner_id"))
            created, unchanged = _store_outcomes(run, produced, owners)
            _store_scores(run, produced, today)
            effects_apply(effects=effects, strategy_id=run.strategy_id, today=today)
        RunChunk.objects.filter(pk=chunk.pk).update(
            status=RunChunk.Status.DONE, finished_at=timezone.now(), attempts=F("attempts") + 1
        )
        StrategyRun.objects.filter(pk=run.pk).update(
            partners_evaluated=F("partners_evaluated") + len(chunk.partner_ids),
            outcomes_created=F("outcomes_created") + created,
            outcomes_unchanged=F("outcomes_unchanged") + unchanged,
            chunks_done=F("chunks_done") + 1,
            heartbeat_at=timezone.now(),
        )
        done, total = StrategyRun.objects.filter(pk=run.pk).values_list("chunks_done", "chunks_total").get()
        if done >= total:
            enqueue_on_commit(run_finish_task, run.pk)
    return True


@transaction.atomic
def run_finish(*, run_id: int) -> bool:
    """Close what the run no longer produces, then mark it succeeded; once, whoever calls it.

    After a full live run commits, the outcome table is analysed (once per run, as only one call
    gets this far), so the inbox's plans count the outcomes the run wrote.
    """
    run = StrategyRun.objects.select_for_update().select_related("version").get(pk=run_id)
    if run.status != Status.RUNNING or run.chunks_done < run.chunks_total:
        return False
    stale = Outcome.objects.filter(strategy_id=run.strategy_id, state=Outcome.State.OPEN).exclude(run_id=run.pk)
    stale = stale.filter(updated_at__lt=run.started_at)  # a concurrent event run's fresh outcomes stay
    if run.partner_ids is not None:
        stale = stale.filter(partner_id__in=run.partner_ids)
    if run.dry_run:
        produced = PreviewEntry.objects.filter(run=run).values_list("dedupe_key", flat=True)
        stale = stale.exclude(dedupe_key__in=produced).select_related("partner")
        entries = [
            PreviewEntry(
                run=run,
                action="close",
                partner_id=outcome.partner_id,
                rule_kind=outcome.rule_kind,
                kind=outcome.kind,
                title=outcome.title,
                explanation=outcome.explanation,
                dedupe_key=outcome.dedupe_key,
            )
            for outcome in stale
        ]
        PreviewEntry.objects.bulk_create(entries, ignore_conflicts=True)
        closed = len(entries)
    else:
        note = f"No longer produced by version {run.version.number} (run {run.pk})."
        closed_ids = list(stale.select_for_update().values_list("pk", flat=True))
        closed = Outcome.objects.filter(pk__in=closed_ids).update(
            state=Outcome.State.RESOLVED, note=note, closed_at=timezone.now()
        )
        outcome_events(type="outcome.closed", outcome_ids=closed_ids)
    StrategyRun.objects.filter(pk=run.pk).update(
        status=Status.SUCCEEDED, outcomes_closed=closed, finished_at=timezone.now(), heartbeat_at=timezone.now()
    )
    run_finished_event(run_id=run.pk)
    if not run.dry_run and run.partner_ids is None:
        # a full run writes outcomes by the thousand: the planner should know before the inbox asks
        transaction.on_commit(lambda: analyze(Outcome))
    return True


@transaction.atomic
def run_cancel(*, run_id: int, actor) -> bool:
    """Stop a queued or running run; chunks not yet evaluated are skipped."""
    cancelled = StrategyRun.objects.filter(pk=run_id, status__in=[Status.QUEUED, Status.RUNNING]).update(
        status=Status.CANCELLED, finished_at=timezone.now(), error=f"Cancelled by {actor or 'the system'}."
    )
    if cancelled:
        run_finished_event(run_id=run_id)
    return bool(cancelled)


def runs_watch(*, now=None) -> dict[str, int]:
    """Find runs that stopped moving: plan the runs whose plan message was lost (the broker was down
    when they were queued), queue the pending chunks of running runs again, or fail a run when a
    chunk keeps failing. A run is never left "queued" or "running" forever. A message the broker
    does not take costs nothing: no attempt is counted and the next watch tries again."""
    from programs.strategies.tasks import chunk_evaluate_task, run_finish_task, run_plan_task

    now = now or timezone.now()
    resumed = failed = 0
    for run in StrategyRun.objects.filter(status=Status.QUEUED, created_at__lt=now - QUEUED_STALE_AFTER):
        if enqueue(run_plan_task, run.pk):
            resumed += 1
    for run in StrategyRun.objects.filter(status=Status.RUNNING, heartbeat_at__lt=now - STALE_AFTER):
        pending = list(run.chunks.filter(status=RunChunk.Status.PENDING))
        if any(chunk.attempts >= MAX_CHUNK_ATTEMPTS for chunk in pending):
            with transaction.atomic():
                if StrategyRun.objects.filter(pk=run.pk, status=Status.RUNNING).update(
                    status=Status.FAILED, finished_at=now, error="A chunk kept failing; see the worker logs."
                ):
                    run_finished_event(run_id=run.pk)
            failed += 1
            continue
        sent = [chunk.pk for chunk in pending if enqueue(chunk_evaluate_task, chunk.pk)]
        if not pending and enqueue(run_finish_task, run.pk):
            sent = [run.pk]
        if not sent:
            continue  # the broker took nothing: no attempt counted, the next watch tries again
        RunChunk.objects.filter(pk__in=sent if pending else []).update(attempts=F("attempts") + 1)
        StrategyRun.objects.filter(pk=run.pk).update(heartbeat_at=now)
        resumed += 1
    return {"resumed": resumed, "failed": failed}
