"""The outcome inbox: my open outcomes by default, filters, and done / dismiss / apply."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from partners.forms import staff_label
from partners.views.access import can_write, portal_view
from prm.counting import BoundedPaginator
from prm.errors import DomainError
from prm.formats import short_date
from programs.strategies.forms import InboxFilterForm, OutcomeCloseForm
from programs.strategies.models import Outcome
from programs.strategies.selectors import OutcomeFilters, outcome_list
from programs.strategies.services import outcome_apply, outcome_close

PAGE_SIZE = 50


KIND_LABELS = dict(Outcome.Kind.choices)
STATE_LABELS = dict(Outcome.State.choices)


def _row(outcome: Outcome) -> dict:
    """What a row shows, worked out here: links, labels and dates looked up in the template cost
    about a millisecond a row."""
    return {
        "outcome": outcome,
        "kind": KIND_LABELS.get(outcome.kind, outcome.kind),
        "state": STATE_LABELS.get(outcome.state, outcome.state),
        "partner_url": reverse("partner-detail", args=[outcome.partner_id]),
        "strategy_url": reverse("strategy-detail", args=[outcome.strategy_id]),
        "due": short_date(outcome.due_on) if outcome.due_on else "",
        "assignee": staff_label(outcome.assignee) if outcome.assignee else "",
    }


@portal_view
def inbox(request: HttpRequest) -> HttpResponse:
    """Count and one page of rows (strategy, version, partner and assignee joined): two queries."""
    form = InboxFilterForm(request.GET or None)
    filters, partner_name = form.filters(user=request.user) if form.is_bound else (
        OutcomeFilters(assignee=(request.user.pk,)), ""
    )  # fmt: skip
    outcomes = outcome_list(user=request.user, filters=filters)
    if partner_name:
        outcomes = outcomes.filter(partner__name__icontains=partner_name)
    page = BoundedPaginator(outcomes, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [_row(outcome) for outcome in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "outcomes/inbox.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "today": timezone.localdate(),
            "everyone": bool(form.is_bound and form.is_valid() and form.cleaned_data.get("everyone")),
            "filtered": any(value for key, value in request.GET.items() if key != "page"),
            "can_write": can_write(request.user),
            "next": request.get_full_path(),
        },
    )


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
    outcome = _outcome_or_404(request.user, outcome_id)
    form = OutcomeCloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose done or dismissed; a note is at most 500 characters.")
        return _back(request)
    try:
        outcome_close(
            outcome_id=outcome.pk, actor=request.user, state=form.cleaned_data["state"], note=form.cleaned_data["note"]
        )
    except DomainError as exc:
        messages.error(request, f"“{outcome.title}”: {exc.message}")
    else:
        verb = "marked done" if form.cleaned_data["state"] == "done" else "dismissed"
        messages.success(request, f"“{outcome.title}” was {verb}.")
    return _back(request)


@require_POST
@portal_view(write=True)
def outcome_apply_view(request: HttpRequest, outcome_id: int) -> HttpResponse:
    """Carry out a recommended status change; a refused transition is shown, the outcome stays open."""
    outcome = _outcome_or_404(request.user, outcome_id)
    try:
        outcome_apply(outcome_id=outcome.pk, actor=request.user)
    except DomainError as exc:
        messages.error(request, f"Could not apply “{outcome.title}”: {exc.message}")
    else:
        messages.success(request, f"Applied: {outcome.partner.name} is now {outcome.recommended_status}.")
    return _back(request)
