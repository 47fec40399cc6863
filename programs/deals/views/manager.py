"""The manager portal's deal pages: every deal with filters and the CSV export, the approval queue,
and a deal's page with the conflict panel where the partner's manager approves, rejects or extends
the protection."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.timesince import timesince
from django.views.decorators.http import require_POST

from partners.models import Partner
from partners.roles import can_change_partner
from partners.views.access import portal_view
from prm.counting import BoundedPaginator
from prm.errors import DomainError, FieldErrors
from prm.spreadsheets import csv_safe
from programs.deals import selectors, services
from programs.deals.filters import ORDERING_LABELS
from programs.deals.forms import DealCloseForm, ReasonForm
from programs.deals.models import Deal, DealConflict
from programs.deals.views.display import close_from_form, day, deal_row, filter_query, filterset, history_line

PAGE_SIZE = 50
CSV_CHUNK_SIZE = 2000
FILTERS = (
    "search", "status", "stage", "partner", "created_after", "created_before", "expected_close_after",
    "expected_close_before", "protection_ends_within", "has_conflicts", "ordering",
)  # fmt: skip
REASONS = {
    "approve": {
        "label": "Reason for overriding",
        "help_text": "Needed when another partner registered this customer first; recorded on the deal.",
    },
    "reject": {"label": "Reason for rejecting", "help_text": "The partner reads it."},
    "extend": {"label": "Reason for extending", "help_text": "Recorded on the deal's history."},
}
MATCH_LABELS = {"domain": "Domain", "company": "Company name", "products": "Products"}


def _deal_or_404(request: HttpRequest, deal_id: int) -> Deal:
    try:
        return selectors.deal_get(user=request.user, deal_id=deal_id)
    except Deal.DoesNotExist:
        raise Http404 from None


def _with_overlaps(deals: QuerySet[Deal]) -> QuerySet[Deal]:
    """Whether each deal overlaps another partner's registration, on either side of the recorded
    conflict: two semi-joins in the page's own query, no query per row."""
    return deals.prefetch_related(None).annotate(
        overlaps=Exists(DealConflict.objects.filter(deal_id=OuterRef("pk")))
        | Exists(DealConflict.objects.filter(other_id=OuterRef("pk")))
    )


def _rows(deals, now) -> list[dict]:
    rows = []
    for deal in deals:
        row = deal_row(deal, now=now)
        row["overlaps"] = deal.overlaps
        rows.append(row)
    return rows


@portal_view
def deal_list(request: HttpRequest) -> HttpResponse:
    """Every deal, filtered and sorted by DealFilterSet (the API's filters). Queries: the bounded
    count, one page with partners joined, the page's conflicts, and the partner filtered by."""
    deals = filterset(request, selectors.deal_list(user=request.user), FILTERS)
    valid = deals.is_valid()
    page = BoundedPaginator(_with_overlaps(deals.qs) if valid else Deal.objects.none(), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    partner_ids = deals.form.cleaned_data.get("partner") if valid else ()
    context = {
        "form": deals.form,
        "page": page,
        "rows": _rows(page.object_list, timezone.now()),
        "status_choices": Deal.State.choices,
        "stage_choices": Deal.Stage.choices,
        "ordering_choices": list(ORDERING_LABELS.items()),
        "conflict_choices": [("true", "With conflicts"), ("false", "Without conflicts")],
        "partners": list(Partner.objects.visible_to(request.user).filter(pk__in=partner_ids).values("pk", "name"))
        if partner_ids
        else [],
        "filtered": any(request.GET.get(name, "").strip() for name in FILTERS if name != "ordering"),
        "query": filter_query(request, FILTERS),
        "page_query": filter_query(request, FILTERS),
        "waiting": None,
    }
    status = 200 if valid else 400
    if request.htmx and not request.htmx.history_restore_request:
        response = render(request, "deals/portal/_deal_results.html", context, status=status)
        query = filter_query(request, FILTERS, page=page.number if page.number > 1 else None)
        response["HX-Push-Url"] = f"{request.path}?{query}" if query else request.path
    else:
        response = render(request, "deals/portal/deal_list.html", context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


CSV_HEADER = (
    "id", "partner_id", "partner_name", "customer_company", "customer_domain", "contact_name", "contact_email",
    "amount", "currency", "expected_close", "products", "stage", "status", "protected_until", "closed_amount",
    "closed_on", "created_at",
)  # fmt: skip
CSV_COLUMNS = (
    "id", "partner_id", "partner__name", "customer_company", "customer_domain", "contact_name", "contact_email",
    "amount", "currency", "expected_close_on", "products", "stage", "state", "protected_until", "closed_amount",
    "closed_on", "created_at",
)  # fmt: skip


def _csv_row(row: tuple) -> list[str]:
    values = dict(zip(CSV_COLUMNS, row, strict=True))
    values["products"] = ";".join(values["products"])
    for name in ("expected_close_on", "protected_until", "closed_on", "created_at"):
        values[name] = values[name].isoformat() if values[name] else ""
    return [csv_safe(values[name]) for name in CSV_COLUMNS]


def csv_stream(deals: QuerySet[Deal], rows_per_chunk: int = 500) -> Iterator[str]:
    """The header, then the rows in chunks read through a server-side cursor: memory stays flat
    however many deals are exported. Every cell goes through csv_safe (no formulas)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # a BOM, so spreadsheet programs read the file as UTF-8
    writer.writerow(CSV_HEADER)
    yield buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    rows = deals.values_list(*CSV_COLUMNS).iterator(chunk_size=CSV_CHUNK_SIZE)
    for count, row in enumerate(rows, start=1):
        writer.writerow(_csv_row(row))
        if count % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


@portal_view
def deal_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as CSV, streamed; invalid filters get the list page with its errors."""
    deals = filterset(request, selectors.deal_list(user=request.user).prefetch_related(None), FILTERS)
    if not deals.is_valid():
        return deal_list(request)
    response = StreamingHttpResponse(csv_stream(deals.qs), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="deals-{timezone.localdate():%Y%m%d}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@portal_view
def approval_queue(request: HttpRequest) -> HttpResponse:
    """Registrations waiting for a decision, oldest first, each with its age and whether it
    overlaps another partner's. Queries: the bounded count, one page, the page's conflicts."""
    queue = _with_overlaps(selectors.approval_queue(user=request.user))
    page = BoundedPaginator(queue, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = _rows(page.object_list, now)
    for row in rows:
        row["waiting"] = timesince(row["deal"].created_at, now, depth=1)
    return render(request, "deals/portal/approval_queue.html", {"page": page, "rows": rows})


@portal_view
def approval_queue_badge(request: HttpRequest) -> HttpResponse:
    """The number of registrations waiting, for the navigation (asked for by htmx after the page)."""
    count = selectors.approval_queue(user=request.user).order_by().count()
    response = render(request, "deals/portal/_queue_badge.html", {"count": count})
    response["Cache-Control"] = "no-store"
    return response


def _candidate_rows(deal: Deal, candidates) -> list[dict]:
    now = timezone.now()
    return [
        {
            "candidate": candidate,
            "row": deal_row(candidate.deal, now=now),
            "matched": [MATCH_LABELS.get(name, name) for name in candidate.matched],
            "products": ", ".join(candidate.products),
        }
        for candidate in candidates
    ]


def _detail(request: HttpRequest, deal: Deal, *, forms: dict | None = None, status: int = 200) -> HttpResponse:
    candidates = selectors.deal_conflict_candidates(user=request.user, deal=deal)
    may_decide = can_change_partner(request.user, deal.partner)
    earlier_open = [c for c in candidates if c.first and c.deal.state in Deal.OPEN_STATES]
    forms = forms or {}
    context = {
        "deal": deal,
        "row": deal_row(deal),
        "history": [
            history_line(entry, staff=True) for entry in selectors.deal_history(user=request.user, deal_id=deal.pk)
        ],
        "candidates": _candidate_rows(deal, candidates),
        "earlier_open": earlier_open,
        "may_decide": may_decide,
        "can_approve": may_decide and deal.state == Deal.State.SUBMITTED,
        "can_extend": may_decide and deal.is_protected() and deal.extended_at is None,
        "can_close": may_decide and deal.state == Deal.State.APPROVED,
        "close_form": forms.get("close")
        or DealCloseForm(prefix="close", initial={"outcome": "won", "amount": deal.amount}),
        "approve_form": forms.get("approve") or ReasonForm(prefix="approve", **REASONS["approve"]),
        "reject_form": forms.get("reject") or ReasonForm(prefix="reject", **REASONS["reject"]),
        "extend_form": forms.get("extend") or ReasonForm(prefix="extend", **REASONS["extend"]),
        "registered_ago": timesince(deal.created_at, timezone.now(), depth=1),
        "decided_on": day(deal.decided_at),
    }
    return render(request, "deals/portal/deal_detail.html", context, status=status)


@portal_view
def deal_detail(request: HttpRequest, deal_id: int) -> HttpResponse:
    """A deal with its history and the conflict panel: the overlapping registrations side by side
    with the evidence, who came first and when each one's protection ends."""
    return _detail(request, _deal_or_404(request, deal_id))


def _decide(request: HttpRequest, deal_id: int, name: str, action, done: str) -> HttpResponse:
    deal = _deal_or_404(request, deal_id)
    if not can_change_partner(request.user, deal.partner):
        raise PermissionDenied  # staff who read it but do not manage the partner
    form = ReasonForm(request.POST, prefix=name, **REASONS[name])
    if form.is_valid():
        try:
            action(deal, form.cleaned_data["reason"])
        except FieldErrors as exc:
            form.add_service_errors(exc.errors, names={"override_reason": "reason"})
            return _detail(request, deal, forms={name: form}, status=400)
        except DomainError as exc:  # the deal moved on meanwhile: said above the page, whose forms follow its state
            messages.error(request, exc.message)
            return _detail(request, _deal_or_404(request, deal.pk), status=exc.status_code)
        messages.success(request, done.format(deal=deal))
        return redirect("deal-detail", deal.pk)
    return _detail(request, deal, forms={name: form}, status=400)


@require_POST
@portal_view(write=True)
def deal_approve(request: HttpRequest, deal_id: int) -> HttpResponse:
    """Approve; overriding an earlier open registration of another partner needs a reason."""
    return _decide(
        request,
        deal_id,
        "approve",
        lambda deal, reason: services.deal_approve(deal_id=deal.pk, actor=request.user, override_reason=reason),
        "{deal.customer_company} is approved and protected.",
    )


@require_POST
@portal_view(write=True)
def deal_reject(request: HttpRequest, deal_id: int) -> HttpResponse:
    """Reject, with the reason the partner reads."""
    return _decide(
        request,
        deal_id,
        "reject",
        lambda deal, reason: services.deal_reject(deal_id=deal.pk, actor=request.user, reason=reason),
        "{deal.customer_company} is rejected.",
    )


@require_POST
@portal_view(write=True)
def deal_extend(request: HttpRequest, deal_id: int) -> HttpResponse:
    """Extend the protection once, with a reason."""
    return _decide(
        request,
        deal_id,
        "extend",
        lambda deal, reason: services.deal_extend(deal_id=deal.pk, actor=request.user, reason=reason),
        "{deal.customer_company}'s protection is extended.",
    )


@require_POST
@portal_view(write=True)
def deal_close(request: HttpRequest, deal_id: int) -> HttpResponse:
    """Close an approved deal won (with the amount and date) or lost, for the partner."""
    deal = _deal_or_404(request, deal_id)
    if not can_change_partner(request.user, deal.partner):
        raise PermissionDenied
    form = DealCloseForm(request.POST, prefix="close")
    if form.is_valid() and close_from_form(request, deal, form):
        return redirect("deal-detail", deal.pk)
    return _detail(request, deal, forms={"close": form}, status=400)
