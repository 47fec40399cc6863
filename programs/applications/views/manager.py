"""The manager portal's application pages: the queue with its filters and an application's page,
where a manager assigns a vetter, approves or rejects. Staff only (portal_view): a partner's
login is sent to its own portal, anyone else gets a 404 or the log-in."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.timesince import timesince
from django.views.decorators.http import require_POST

from partners.views.access import can_write, portal_view
from prm.counting import BoundedPaginator
from prm.errors import DomainError, FieldErrors
from prm.formats import short_date
from programs.applications import selectors, services
from programs.applications.filters import ApplicationFilterSet
from programs.applications.forms import AssignForm, RejectForm
from programs.applications.models import PartnerApplication

PAGE_SIZE = 50
FILTERS = ("state", "duplicate", "vetter", "search")
WAITING = "received,in_review"
STATE_CHOICES = [
    (WAITING, "Waiting (received or in review)"),
    ("received", "Received"),
    ("in_review", "In review"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("received,in_review,approved,rejected", "All"),
]
STATE_BADGES = {
    PartnerApplication.State.RECEIVED: "text-bg-warning",
    PartnerApplication.State.IN_REVIEW: "text-bg-info",
    PartnerApplication.State.APPROVED: "text-bg-success",
    PartnerApplication.State.REJECTED: "text-bg-secondary",
}


def _filters(request: HttpRequest) -> QueryDict:
    """The page's filters with a value; without a state, the applications waiting for a decision."""
    data = QueryDict(mutable=True)
    for key in FILTERS:
        value = request.GET.get(key, "").strip()
        if value:
            data[key] = value
    data.setdefault("state", WAITING)
    return data


def _row(application: PartnerApplication, now) -> dict:
    return {
        "application": application,
        "badge": STATE_BADGES.get(application.state, "text-bg-secondary"),
        "waiting": timesince(application.created_at, now, depth=1),
        "received": short_date(timezone.localtime(application.created_at).date()),
    }


@portal_view
def application_list(request: HttpRequest) -> HttpResponse:
    """Applications, oldest first, filtered by state (waiting ones by default), duplicates, vetter
    and a search. Queries: the bounded count, one page with partner and vetter joined, the vetters
    of the filter."""
    data = _filters(request)
    filters = ApplicationFilterSet(data, selectors.application_list(user=request.user), request=request)
    valid = filters.is_valid()
    page = BoundedPaginator(filters.qs if valid else PartnerApplication.objects.none(), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    now = timezone.now()
    query = data.copy()
    context = {
        "form": filters.form,
        "page": page,
        "rows": [_row(application, now) for application in page.object_list],
        "state": data["state"],
        "state_choices": STATE_CHOICES,
        "vetters": list(selectors.vetters().only("pk", "first_name", "last_name", "email")),
        "filtered": any(request.GET.get(name, "").strip() for name in FILTERS),
        "query": query.urlencode(),
    }
    return render(request, "applications/portal/application_list.html", context, status=200 if valid else 400)


@portal_view
def queue_badge(request: HttpRequest) -> HttpResponse:
    """The number of applications waiting, for the navigation (asked for by htmx after the page)."""
    response = render(
        request, "applications/portal/_queue_badge.html", {"count": selectors.open_application_count(user=request.user)}
    )
    response["Cache-Control"] = "no-store"
    return response


@portal_view
def dashboard_count(request: HttpRequest) -> HttpResponse:
    """The dashboard panel's figure: applications waiting, and how many of them are duplicates."""
    waiting = selectors.application_queue(user=request.user).order_by()
    counts = waiting.aggregate(total=Count("pk"), duplicates=Count("pk", filter=Q(is_duplicate=True)))
    response = render(request, "applications/portal/_dashboard_count.html", counts)
    response["Cache-Control"] = "no-store"
    return response


def application_panel(*, user) -> dict:
    """The manager dashboard's applications panel, registered with partners.panels: its figure
    arrives through htmx after the page (``dashboard_count``), so the dashboard pays no query."""
    return {"template": "applications/portal/_dashboard_panel.html"} if user.is_staff else {}


def _application_or_404(request: HttpRequest, application_id: int) -> PartnerApplication:
    try:
        return selectors.application_get(user=request.user, application_id=application_id)
    except PartnerApplication.DoesNotExist:
        raise Http404 from None


def _detail(request: HttpRequest, application: PartnerApplication, *, forms=None, status: int = 200) -> HttpResponse:
    forms = forms or {}
    may_decide = can_write(request.user) and application.is_open
    context = {
        "application": application,
        "row": _row(application, timezone.now()),
        "duplicates": selectors.application_duplicates(user=request.user, application=application),
        "may_decide": may_decide,
        "assign_form": forms.get("assign") or AssignForm(prefix="assign", initial={"vetter": application.vetter_id}),
        "reject_form": forms.get("reject") or RejectForm(prefix="reject"),
        "decided_on": short_date(timezone.localtime(application.decided_at).date()) if application.decided_at else "",
    }
    return render(request, "applications/portal/application_detail.html", context, status=status)


@portal_view
def application_detail(request: HttpRequest, application_id: int) -> HttpResponse:
    """An application with what the applicant sent, its duplicates side by side and the decision."""
    return _detail(request, _application_or_404(request, application_id))


def _done(request: HttpRequest, application: PartnerApplication, call, form=None, name: str = "") -> HttpResponse:
    """Run a decision (``call`` returns what to tell the manager); its field errors go next to the
    form's fields, a state that moved on meanwhile is said above the page."""
    try:
        message = call()
    except FieldErrors as exc:
        form.add_service_errors(exc.errors)
        return _detail(request, application, forms={name: form}, status=400)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _detail(request, _application_or_404(request, application.pk), status=exc.status_code)
    messages.success(request, message)
    return redirect("application-detail", application.pk)


@require_POST
@portal_view(write=True)
def application_assign(request: HttpRequest, application_id: int) -> HttpResponse:
    application = _application_or_404(request, application_id)
    form = AssignForm(request.POST, prefix="assign")
    if not form.is_valid():
        return _detail(request, application, forms={"assign": form}, status=400)
    vetter = form.cleaned_data["vetter"]

    def assign() -> str:
        services.application_assign(application_id=application.pk, actor=request.user, vetter=vetter)
        return f"{vetter.get_full_name() or vetter.email} vets this application." if vetter else "Nobody vets it now."

    return _done(request, application, assign, form, "assign")


@require_POST
@portal_view(write=True)
def application_approve(request: HttpRequest, application_id: int) -> HttpResponse:
    application = _application_or_404(request, application_id)

    def approve() -> str:
        approval = services.application_approve(application_id=application.pk, actor=request.user, request=request)
        if approval.invited:
            return f"{application.company} is approved and onboarding; {application.contact_email} is invited."
        return f"{application.company} is approved and onboarding; the contact was not invited: {approval.note}"

    return _done(request, application, approve)


@require_POST
@portal_view(write=True)
def application_reject(request: HttpRequest, application_id: int) -> HttpResponse:
    application = _application_or_404(request, application_id)
    form = RejectForm(request.POST, prefix="reject")
    if not form.is_valid():
        return _detail(request, application, forms={"reject": form}, status=400)

    def reject() -> str:
        reason = form.cleaned_data["reason"]
        services.application_reject(application_id=application.pk, actor=request.user, reason=reason)
        return f"{application.company} is rejected; the reason is e-mailed to {application.contact_email}."

    return _done(request, application, reject, form, "reject")
