"""The partner's deal pages at /partner/deals/: its organisation's deals with filters, registering
one (with the duplicate check as the customer is typed), and a deal's page where its stage and
close date move and it closes won or lost. Another organisation's deal is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from partners.selfservice.access import partner_view
from prm.counting import BoundedPaginator
from prm.errors import DomainError, FieldErrors
from programs.deals import selectors, services
from programs.deals.forms import DealCloseForm, DealRegisterForm, DealUpdateForm
from programs.deals.models import Deal
from programs.deals.services import CustomerProtected
from programs.deals.views.display import close_from_form, day, deal_row, filter_query, filterset, history_line

PAGE_SIZE = 25
FILTERS = ("status", "stage", "search")


def _deal_or_404(request: HttpRequest, deal_id: int) -> Deal:
    try:
        return selectors.deal_get(user=request.user, deal_id=deal_id)
    except Deal.DoesNotExist:
        raise Http404 from None


@partner_view
def deal_list(request: HttpRequest) -> HttpResponse:
    """The organisation's deals, newest first, filtered by status, stage and customer; queries:
    the login's membership and organisation, the bounded count and one page of rows."""
    deals = filterset(request, selectors.deal_list(user=request.user), FILTERS)
    valid = deals.is_valid()
    page = BoundedPaginator(deals.qs if valid else Deal.objects.none(), PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    context = {
        "partner": request.partner,
        "form": deals.form,
        "status_choices": Deal.State.choices,
        "stage_choices": Deal.Stage.choices,
        "page": page,
        "rows": [deal_row(deal, now=now) for deal in page.object_list],
        "filtered": any(request.GET.get(name, "").strip() for name in FILTERS),
        "page_query": filter_query(request, FILTERS),
    }
    if request.htmx and not request.htmx.history_restore_request:
        response = render(request, "deals/partner/_deal_results.html", context, status=200 if valid else 400)
        query = filter_query(request, FILTERS, page=page.number if page.number > 1 else None)
        response["HX-Push-Url"] = f"{request.path}?{query}" if query else request.path
    else:
        response = render(request, "deals/partner/deal_list.html", context, status=200 if valid else 400)
    patch_vary_headers(response, ("HX-Request",))
    return response


@partner_view
def deal_register(request: HttpRequest) -> HttpResponse:
    """Register a deal: the form's shape, then the service's checks next to their fields; a
    customer another partner has protected is refused naming only the end of protection."""
    form = DealRegisterForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                deal = services.deal_register(
                    partner_id=request.partner.pk,
                    actor=request.user,
                    customer_company=data["customer_company"],
                    customer_domain=data["customer_domain"],
                    contact_name=data["contact_name"],
                    contact_email=data["contact_email"],
                    amount=data["amount"],
                    currency=data["currency"],
                    expected_close_on=data["expected_close_on"],
                    products=form.product_list(),
                    notes=data["notes"],
                )
            except FieldErrors as exc:
                form.add_service_errors(exc.errors)
            except CustomerProtected as exc:
                form.add_error("customer_domain", exc.message)
                status = 409
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = 409
            else:
                messages.success(request, f"{deal.customer_company} is registered; your partner manager decides on it.")
                return redirect("partner-deals:deal-detail", deal.pk)
    context = {"partner": request.partner, "form": form}
    return render(request, "deals/partner/deal_register.html", context, status=status)


@require_GET
@partner_view
def deal_check(request: HttpRequest) -> HttpResponse:
    """The duplicate feedback under the customer fields, asked for by htmx as they are typed:
    protected (until when), pending alongside another registration, one's own earlier
    registration, or nothing. Never another partner's name or data."""
    products = [name.strip() for name in request.GET.get("products", "").split(",") if name.strip()]
    check = selectors.customer_check(
        user=request.user,
        company=request.GET.get("customer_company", "")[:200],
        domain=request.GET.get("customer_domain", "")[:300],
        products=products[:50],
    )
    context = {"check": check, "protected_until": day(check.protected_until)}
    response = render(request, "deals/partner/_duplicate_check.html", context)
    response["Cache-Control"] = "no-store"
    return response


@partner_view
def deal_detail(request: HttpRequest, deal_id: int) -> HttpResponse:
    """One of the organisation's deals: its state, protection, history and what can be done next."""
    deal = _deal_or_404(request, deal_id)
    return _detail(request, deal)


def _detail(request, deal, *, update_form=None, close_form=None, status=200) -> HttpResponse:
    open_deal = deal.state in Deal.OPEN_STATES
    context = {
        "partner": request.partner,
        "deal": deal,
        "row": deal_row(deal),
        "history": [
            history_line(entry, staff=False) for entry in selectors.deal_history(user=request.user, deal_id=deal.pk)
        ],
        "update_form": update_form
        or (
            DealUpdateForm(initial={"stage": deal.stage, "expected_close_on": deal.expected_close_on})
            if open_deal
            else None
        ),
        "close_form": close_form
        or (
            DealCloseForm(initial={"outcome": "won", "amount": deal.amount})
            if deal.state == Deal.State.APPROVED
            else None
        ),
    }
    return render(request, "deals/partner/deal_detail.html", context, status=status)


@require_POST
@partner_view
def deal_update(request: HttpRequest, deal_id: int) -> HttpResponse:
    """Move an open deal's stage or expected close date."""
    deal = _deal_or_404(request, deal_id)
    form = DealUpdateForm(request.POST)
    if form.is_valid():
        try:
            services.deal_update(
                deal_id=deal.pk,
                actor=request.user,
                stage=form.cleaned_data["stage"],
                expected_close_on=form.cleaned_data["expected_close_on"],
            )
        except FieldErrors as exc:
            form.add_service_errors(exc.errors)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("partner-deals:deal-detail", deal.pk)
        else:
            messages.success(request, "The deal was updated.")
            return redirect("partner-deals:deal-detail", deal.pk)
    return _detail(request, deal, update_form=form, status=400)


@require_POST
@partner_view
def deal_close(request: HttpRequest, deal_id: int) -> HttpResponse:
    """Close an approved deal won (with the amount and date) or lost."""
    deal = _deal_or_404(request, deal_id)
    form = DealCloseForm(request.POST)
    if form.is_valid() and close_from_form(request, deal, form):
        return redirect("partner-deals:deal-detail", deal.pk)
    return _detail(request, deal, close_form=form, status=400)
