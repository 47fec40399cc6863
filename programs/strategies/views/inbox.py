"""The outcome inbox: the manager's own open outcomes, and apart from them the requests waiting on
partners; filters, and done / dismiss / apply (withdraw, for a request to a partner)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timesince import timesince
from django.views.decorators.http import require_POST

from partners.forms import staff_label
from partners.views.access import can_write, portal_view
from prm.counting import BoundedPaginator
from prm.errors import DomainError, FieldErrors
from prm.formats import short_date
from programs.strategies.forms import InboxFilterForm, OutcomeCloseForm
from programs.strategies.models import Outcome
from programs.strategies.selectors import (
    PARTNER_ANSWER_DAYS,
    OutcomeFilters,
    answer_due_on,
    inbox_count_cap,
    inbox_other_sides,
    inbox_tasks,
    inbox_waiting,
    outcome_list,
    partner_primary_contacts,
)
from programs.strategies.services import outcome_apply, outcome_close

PAGE_SIZE = 50
TASKS, WAITING = "tasks", "waiting"


KIND_LABELS = dict(Outcome.Kind.choices)
STATE_LABELS = dict(Outcome.State.choices)


def _row(outcome: Outcome, *, other: Outcome | None, contact, today) -> dict:
    """What a row shows, worked out here: links, labels and dates looked up in the template cost
    about a millisecond a row. ``other`` is the open outcome on the other side (a task's request to
    the partner, or a request's task), ``contact`` the partner's primary contact (requests)."""
    row = {
        "outcome": outcome,
        "kind": KIND_LABELS.get(outcome.kind, outcome.kind),
        "state": STATE_LABELS.get(outcome.state, outcome.state),
        "partner_url": reverse("partner-detail", args=[outcome.partner_id]),
        "strategy_url": reverse("strategy-detail", args=[outcome.strategy_id]),
        "due": short_date(outcome.due_on) if outcome.due_on else "",
        "overdue": bool(outcome.state == Outcome.State.OPEN and outcome.due_on and outcome.due_on < today),
        "assignee": staff_label(outcome.assignee) if outcome.assignee else "",
        "other": other,
    }
    if outcome.audience == Outcome.Audience.PARTNER:
        answer_by = answer_due_on(outcome)
        asked = timezone.localtime(outcome.created_at)
        row |= {
            "asked": short_date(asked.date()),
            "asked_ago": timesince(asked, timezone.now(), depth=1),
            "answer_by": short_date(answer_by),
            "late": outcome.state == Outcome.State.OPEN and answer_by < today,
            "contact": contact,
        }
    elif other is not None:  # the partner did not answer in time (else the task would be waiting)
        row |= {
            "asked": short_date(timezone.localtime(other.created_at).date()),
            "answer_by": short_date(answer_due_on(other)),
        }
    return row


@portal_view
def inbox(request: HttpRequest) -> HttpResponse:
    """The tab asked for (my tasks, or requests waiting on partners) with both tabs' counts (up to
    INBOX_COUNT_CAP, or as deep as the page asked for).

    Queries: the two bounded counts, one page of rows (strategy, version, partner and assignee
    joined), the other side of the page's open rows, and on the waiting tab the partners' primary
    contacts: five at most, whatever the page's size. An htmx request (a tab or a page link) gets
    the results alone, with the URL to push.
    """
    form = InboxFilterForm(request.GET or None)
    filters, partner_name = form.filters(user=request.user) if form.is_bound else (
        OutcomeFilters(assignee=(request.user.pk,)), ""
    )  # fmt: skip
    tab = WAITING if request.GET.get("tab") == WAITING else TASKS
    lists = {
        TASKS: inbox_tasks(user=request.user, filters=filters),
        WAITING: inbox_waiting(user=request.user, filters=filters),
    }
    if partner_name:
        lists = {name: outcomes.filter(partner__name__icontains=partner_name) for name, outcomes in lists.items()}
    page = BoundedPaginator(lists[tab], PAGE_SIZE, cap=inbox_count_cap()).get_page(request.GET.get("page"))
    other_tab = BoundedPaginator(lists[WAITING if tab == TASKS else TASKS], PAGE_SIZE, cap=inbox_count_cap())
    outcomes = list(page.object_list)
    others = inbox_other_sides(outcomes=outcomes)
    contacts = {}
    if tab == WAITING and outcomes:
        contacts = partner_primary_contacts(user=request.user, partner_ids={outcome.partner_id for outcome in outcomes})
    today = timezone.localdate()
    rows = [
        _row(outcome, other=others.get(outcome.pk), contact=contacts.get(outcome.partner_id), today=today)
        for outcome in outcomes
    ]
    query = request.GET.copy()
    for key in ("page", "tab"):
        query.pop(key, None)
    counts = {tab: page.paginator, (WAITING if tab == TASKS else TASKS): other_tab}
    context = {
        "form": form,
        "tab": tab,
        "page": page,
        "rows": rows,
        "counts": {name: {"count": p.shown_count, "exact": p.count_exact} for name, p in counts.items()},
        "query": query.urlencode(),
        "everyone": bool(form.is_bound and form.is_valid() and form.cleaned_data.get("everyone")),
        "filtered": any(value for key, value in request.GET.items() if key not in ("page", "tab")),
        "can_write": can_write(request.user),
        "next": request.get_full_path(),
        "answer_days": PARTNER_ANSWER_DAYS,
    }
    if request.htmx and not request.htmx.history_restore_request:
        response = render(request, "outcomes/_inbox_results.html", context | {"partial": True})
        response["HX-Push-Url"] = request.get_full_path()
    else:
        response = render(request, "outcomes/inbox.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _outcome_or_404(user, outcome_id: int) -> Outcome:
    outcome = outcome_list(user=user, filters=OutcomeFilters(state=())).filter(pk=outcome_id).first()
    if outcome is None:
        raise Http404
    return outcome


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect("inbox")


@require_POST
@portal_view(write=True)
def outcome_close_view(request: HttpRequest, outcome_id: int) -> HttpResponse:
    """Done or dismissed, with a note; a request to a partner can only be withdrawn, with a reason."""
    outcome = _outcome_or_404(request.user, outcome_id)
    form = OutcomeCloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose done or dismissed; a note is at most 500 characters.")
        return _back(request)
    try:
        outcome_close(
            outcome_id=outcome.pk, actor=request.user, state=form.cleaned_data["state"], note=form.cleaned_data["note"]
        )
    except FieldErrors as exc:
        messages.error(request, f"“{outcome.title}”: " + " ".join(" ".join(errors) for errors in exc.errors.values()))
    except DomainError as exc:
        messages.error(request, f"“{outcome.title}”: {exc.message}")
    else:
        if outcome.audience == Outcome.Audience.PARTNER:
            verb = "withdrawn"
        else:
            verb = "marked done" if form.cleaned_data["state"] == "done" else "dismissed"
        messages.success(request, f"“{outcome.title}” was {verb}.")
    return _back(request)


@require_POST
@portal_view(write=True)
def outcome_apply_view(request: HttpRequest, outcome_id: int) -> HttpResponse:
    """Carry out a recommended status or tier change; a refused one is shown, the outcome stays open."""
    outcome = _outcome_or_404(request.user, outcome_id)
    try:
        outcome_apply(outcome_id=outcome.pk, actor=request.user)
    except DomainError as exc:
        messages.error(request, f"Could not apply “{outcome.title}”: {exc.message}")
    else:
        done = outcome.recommended_status if outcome.kind == Outcome.Kind.STATUS_CHANGE else "moved as recommended"
        messages.success(request, f"Applied: {outcome.partner.name} is now {done}.")
    return _back(request)
