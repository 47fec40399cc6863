"""Strategy list, strategy page (rules, runs, versions and their diff), run now / preview and a run's progress."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import OuterRef, Q, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from partners.views.access import can_write, portal_view
from prm.querystring import int_or_default
from programs.strategies import services
from programs.strategies.models import Outcome, Strategy, StrategyRun
from programs.strategies.selectors import (
    run_diff,
    run_list,
    strategy_list,
    strategy_open_outcome_counts,
    strategy_versions,
)
from programs.strategies.views.display import cron_words, describe_rules, version_diff

RUN_HISTORY = 20
PREVIEW_ROWS = 200  # per action; the counts always cover them all
ACTIVE = (StrategyRun.Status.QUEUED, StrategyRun.Status.RUNNING)


def _strategy_or_404(user, pk: int) -> Strategy:
    strategy = strategy_list(user=user).filter(pk=pk).first()
    if strategy is None:
        raise Http404
    return strategy


def _run_or_404(user, run_id: int) -> StrategyRun:
    run = run_list(user=user).filter(pk=run_id).first()
    if run is None:
        raise Http404
    return run


@portal_view
def strategies(request: HttpRequest) -> HttpResponse:
    """Every strategy with its latest run (one query), and its open outcomes (one grouped query: as a
    subquery per strategy, its cost estimate made PostgreSQL compile the whole query with JIT)."""
    last_run = StrategyRun.objects.filter(strategy=OuterRef("pk")).order_by("-created_at", "-id")
    rows = strategy_list(user=request.user).annotate(
        last_run_id=Subquery(last_run.values("pk")[:1]),
        last_run_status=Subquery(last_run.values("status")[:1]),
        last_run_at=Subquery(last_run.values("created_at")[:1]),
        last_run_dry=Subquery(last_run.values("dry_run")[:1]),
    )
    rows = list(rows)
    open_outcomes = strategy_open_outcome_counts(strategy_ids=[strategy.pk for strategy in rows])
    for strategy in rows:
        strategy.schedule_words = cron_words(strategy.schedule)
        strategy.open_outcomes = open_outcomes.get(strategy.pk, 0)
    return render(request, "strategies/strategy_list.html", {"strategies": rows, "can_write": can_write(request.user)})


@portal_view
def strategy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    strategy = _strategy_or_404(request.user, pk)
    runs = list(run_list(user=request.user, strategy_id=pk)[:RUN_HISTORY])
    for run in runs:
        run.duration = duration(run)
    versions = list(strategy_versions(strategy_id=pk))
    by_number = {version.number: version for version in versions}
    current = strategy.current_version
    diff = None
    if len(versions) > 1:
        new_number = int_or_default(request.GET.get("new"), current.number if current else versions[0].number)
        old_number = int_or_default(request.GET.get("old"), new_number - 1)
        old, new = by_number.get(old_number), by_number.get(new_number)
        if old and new:
            diff = {"old": old, "new": new, "changes": version_diff(old.rules, new.rules)}
    active_run = next((run for run in runs if run.status in ACTIVE), None)
    shown_run = active_run or _just_started(request, runs)
    return render(
        request,
        "strategies/strategy_detail.html",
        {
            "strategy": strategy,
            "schedule_words": cron_words(strategy.schedule),
            "rules": describe_rules(current.rules if current else []),
            "runs": runs,
            "progress_run": shown_run,
            "versions": versions,
            "diff": diff,
            "open_outcomes": Outcome.objects.filter(strategy_id=pk, state=Outcome.State.OPEN).count(),
            "can_write": can_write(request.user),
        },
    )


def duration(run: StrategyRun) -> str:
    """ "4.2 s", "3 min 5 s", or "" while the run has not finished."""
    if not (run.started_at and run.finished_at):
        return ""
    seconds = (run.finished_at - run.started_at).total_seconds()
    if seconds < 60:
        return f"{seconds:.1f} s"
    return f"{int(seconds // 60)} min {int(seconds % 60)} s"


def _just_started(request: HttpRequest, runs: list[StrategyRun]) -> StrategyRun | None:
    """The run this user just started (``?run=``), so its finished panel stays in view."""
    wanted = int_or_default(request.GET.get("run"), 0)
    return next((run for run in runs if run.pk == wanted), None)


@require_POST
@portal_view(write=True)
def strategy_run(request: HttpRequest, pk: int) -> HttpResponse:
    """Run now (live) or preview (a dry run that stores what it would do); the page then shows its progress."""
    strategy = _strategy_or_404(request.user, pk)
    dry_run = request.POST.get("dry_run") == "1"
    run = services.run_start(strategy_id=strategy.pk, actor=request.user, trigger="manual", dry_run=dry_run)
    what = "Preview" if dry_run else "Run"
    messages.success(request, f"{what} of {strategy.name} v{run.version.number} started.")
    return redirect(f"{strategy_url(strategy.pk)}?run={run.pk}#progress")


def strategy_url(pk: int) -> str:
    from django.urls import reverse

    return reverse("strategy-detail", args=[pk])


@portal_view
def run_progress(request: HttpRequest, run_id: int) -> HttpResponse:
    """The progress panel alone, polled by htmx every second while the run is queued or running."""
    run = _run_or_404(request.user, run_id)
    return render(request, "strategies/_run_progress.html", {"run": run, "can_write": can_write(request.user)})


@require_POST
@portal_view(write=True)
def run_stop(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run_or_404(request.user, run_id)
    if services.run_cancel(run_id=run.pk, actor=request.user):
        messages.info(request, f"Run {run.pk} was cancelled.")
    else:
        messages.warning(request, f"Run {run.pk} had finished already.")
    return redirect(f"{strategy_url(run.strategy_id)}?run={run.pk}#progress")


@portal_view
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    """A run's figures and, for a preview, what it would create, keep and close."""
    run = _run_or_404(request.user, run_id)
    run.duration = duration(run)
    sections = []
    if run.dry_run:
        diff = run_diff(run_id=run.pk)
        for action, title, icon in (
            ("create", "Would create", "plus-circle"),
            ("close", "Would close", "x-circle"),
            ("keep", "Would keep", "check-circle"),
        ):
            entries = diff.get(action, [])
            sections.append(
                {
                    "action": action, "title": title, "icon": icon, "count": len(entries),
                    "entries": entries[:PREVIEW_ROWS], "more": max(len(entries) - PREVIEW_ROWS, 0),
                }
            )  # fmt: skip
    open_count = Outcome.objects.filter(Q(strategy_id=run.strategy_id) & Q(state=Outcome.State.OPEN)).count()
    return render(
        request,
        "strategies/run_detail.html",
        {"run": run, "sections": sections, "open_outcomes": open_count, "can_write": can_write(request.user)},
    )
