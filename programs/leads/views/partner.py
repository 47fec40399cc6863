"""The partner's lead pages at /partner/leads/: the leads offered to its organisation now, with
the time left to answer, accepted and finished ones, and those it declined or let lapse; a lead's
page where it is accepted, declined with a reason, converted or closed. Another organisation's
lead is a 404; a lead that has gone elsewhere meanwhile is explained, never a 500."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from partners.selfservice.access import partner_view
from prm.counting import BoundedPaginator
from prm.errors import DomainError, FieldErrors
from programs.leads import selectors, services
from programs.leads.forms import LeadCloseForm, LeadDeclineForm
from programs.leads.models import Lead, LeadOffer
from programs.leads.views.display import lead_row, offer_row, when

PAGE_SIZE = 25
TABS = {
    "offered": ("Offered to you", (Lead.Status.OFFERED,)),
    "accepted": ("Accepted", (Lead.Status.ACCEPTED,)),
    "finished": ("Converted or closed", (Lead.Status.CONVERTED, Lead.Status.CLOSED)),
    "passed": ("Declined or missed", ()),
}
GONE = {
    LeadOffer.Outcome.DECLINED: "You declined this lead; it has gone to another partner.",
    LeadOffer.Outcome.BREACHED: "The time to answer this lead ran out, so it has gone to another partner.",
    LeadOffer.Outcome.WITHDRAWN: "Your partner manager withdrew this lead.",
}


def _lead_or_404(request: HttpRequest, lead_id: int) -> Lead:
    try:
        return selectors.lead_get(user=request.user, lead_id=lead_id)
    except Lead.DoesNotExist:
        raise Http404 from None


@partner_view
def lead_list(request: HttpRequest) -> HttpResponse:
    """One tab of the organisation's leads: offered now (the soonest to answer first), accepted,
    converted or closed, or the offers it declined or let lapse. Queries: the login's membership
    and organisation, the tab counts (two), the bounded count and one page of rows."""
    tab = request.GET.get("tab") or "offered"
    if tab not in TABS:
        tab = "offered"
    now = timezone.now()
    if tab == "passed":
        rows_qs = selectors.partner_passed_offers(user=request.user)
    else:
        rows_qs = selectors.lead_page(user=request.user).filter(status__in=TABS[tab][1])
        if tab == "offered":
            rows_qs = rows_qs.order_by("respond_by", "id")
    page = BoundedPaginator(rows_qs, PAGE_SIZE).get_page(request.GET.get("page"))
    if tab == "passed":
        rows = [{**offer_row(offer), **_lead_labels(offer.lead)} for offer in page.object_list]
    else:
        rows = [lead_row(lead, now=now) for lead in page.object_list]
    counts = selectors.partner_lead_counts(user=request.user)
    context = {
        "partner": request.partner,
        "tab": tab,
        "tabs": [(key, label, counts[key]) for key, (label, _) in TABS.items()],
        "page": page,
        "rows": rows,
        "decline_form": LeadDeclineForm(),
    }
    return render(request, "leads/partner/lead_list.html", context)


def _lead_labels(lead: Lead) -> dict:
    row = lead_row(lead)
    return {"lead": lead, "country": row["country"], "vertical": row["vertical"]}


@partner_view
def lead_detail(request: HttpRequest, lead_id: int) -> HttpResponse:
    """A lead offered to or accepted by the organisation: its fields, the time left to answer and
    what can be done next. A lead that has gone elsewhere says why on the list."""
    try:
        lead = selectors.lead_get(user=request.user, lead_id=lead_id)
    except Lead.DoesNotExist:
        return _gone(request, lead_id)
    return _detail(request, lead)


def _detail(request, lead, *, decline_form=None, status=200) -> HttpResponse:
    now = timezone.now()
    context = {
        "partner": request.partner,
        "lead": lead,
        "row": lead_row(lead, now=now),
        "decline_form": decline_form or LeadDeclineForm(),
        "can_answer": lead.status == Lead.Status.OFFERED and lead.respond_by and lead.respond_by > now,
        "can_close": lead.status == Lead.Status.ACCEPTED,
        "accepted_on": when(lead.accepted_at),
    }
    return render(request, "leads/partner/lead_detail.html", context, status=status)


def _gone(request: HttpRequest, lead_id: int) -> HttpResponse:
    """A lead the organisation was offered once but may no longer see: back to the list with what
    became of its offer. Never offered to it: a 404 (it learns nothing of another's lead)."""
    offer = selectors.partner_offer_get(user=request.user, lead_id=lead_id)
    if offer is None:
        raise Http404
    message = GONE.get(offer.outcome, "This lead is no longer offered to your organisation.")
    messages.warning(request, f"{offer.lead.company}: {message}")
    return redirect("partner-leads:lead-list")


def _answer(request: HttpRequest, lead_id: int, action, done: str) -> HttpResponse:
    """Accept or decline through the service; a lead that moved on meanwhile (re-routed after its
    time ran out, withdrawn) comes back as a message, not an error page."""
    try:
        lead = selectors.lead_get(user=request.user, lead_id=lead_id)
    except Lead.DoesNotExist:
        return _gone(request, lead_id)
    form = LeadDeclineForm(request.POST) if action is services.lead_decline else None
    if form is not None and not form.is_valid():
        return _detail(request, lead, decline_form=form, status=400)
    try:
        kwargs = {"reason": form.cleaned_data["reason"]} if form is not None else {}
        action(lead_id=lead.pk, partner_id=request.partner.pk, actor=request.user, **kwargs)
    except FieldErrors as exc:
        form.add_service_errors(exc.errors)
        return _detail(request, lead, decline_form=form, status=400)
    except DomainError as exc:
        messages.error(request, f"{lead.company}: {exc.message}")
        return redirect("partner-leads:lead-list")
    messages.success(request, done.format(lead=lead))
    if action is services.lead_accept:
        return redirect("partner-leads:lead-detail", lead.pk)
    return redirect("partner-leads:lead-list")


@require_POST
@partner_view
def lead_accept(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Accept a lead offered to the organisation: it becomes theirs."""
    return _answer(request, lead_id, services.lead_accept, "{lead.company} is yours: contact them soon.")


@require_POST
@partner_view
def lead_decline(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Decline a lead offered to the organisation, with the reason its manager reads."""
    return _answer(request, lead_id, services.lead_decline, "You declined {lead.company}; it goes to another partner.")


@require_POST
@partner_view
def lead_close(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Convert (it became an opportunity) or close a lead the organisation accepted."""
    lead = _lead_or_404(request, lead_id)
    form = LeadCloseForm(request.POST)
    if lead.status != Lead.Status.ACCEPTED or not form.is_valid():
        messages.error(request, "Only a lead you accepted can be converted or closed.")
        return redirect("partner-leads:lead-detail", lead.pk)
    converted = form.cleaned_data["converted"]
    try:
        services.lead_close(lead_id=lead.pk, actor=request.user, converted=converted)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{lead.company} is {'converted' if converted else 'closed'}.")
    return redirect("partner-leads:lead-detail", lead.pk)
