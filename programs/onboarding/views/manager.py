"""The manager portal's onboarding pages: partners onboarding with their progress, ticking an item
on a partner's checklist, and (for administrators) the agreement and checklist templates."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from partners.models import Partner
from partners.views.access import portal_view
from prm.counting import BoundedPaginator
from prm.errors import DomainError, FieldErrors
from programs.deals.views.display import filter_query
from programs.onboarding import selectors, services
from programs.onboarding.forms import (
    AgreementTemplateForm,
    OnboardingFilterForm,
    OnboardingItemFormSet,
    OnboardingTemplateForm,
)
from programs.onboarding.models import AgreementTemplate, Onboarding, OnboardingItem, OnboardingTemplate

PAGE_SIZE = 50
FILTERS = ("search", "state", "type", "overdue", "mine")


def _filtered(request: HttpRequest, form: OnboardingFilterForm, today):
    rows = selectors.onboarding_list(user=request.user, today=today)
    data = form.cleaned_data
    if data.get("state"):
        rows = rows.filter(state=data["state"])
    if data.get("search"):
        rows = rows.filter(partner__name__icontains=data["search"])
    if data.get("type"):
        rows = rows.filter(partner__type=data["type"])
    if data.get("mine"):
        rows = rows.filter(partner__owner=request.user)
    if data.get("overdue"):
        rows = rows.filter(state=Onboarding.State.IN_PROGRESS, overdue_count__gt=0)
    return rows


@portal_view
def onboarding_list(request: HttpRequest) -> HttpResponse:
    """Partners onboarding (by default those in progress), newest first, with their progress,
    overdue items and start; filters by partner name, state, type, overdue and owner. Queries: the
    bounded count and one page with partner, owner, template and three counts."""
    today = timezone.localdate()
    # without any filter the page shows the checklists in progress
    form = OnboardingFilterForm(request.GET or {"state": Onboarding.State.IN_PROGRESS})
    valid = form.is_valid()
    rows = _filtered(request, form, today) if valid else Onboarding.objects.none()
    page = BoundedPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    entries = []
    for onboarding in page.object_list:
        total, done = onboarding.item_count, min(onboarding.done_count, onboarding.item_count)
        entries.append(
            {
                "onboarding": onboarding,
                "percent": round(100 * done / total) if total else 100,
                "done": done,
                "total": total,
                "overdue": onboarding.overdue_count if onboarding.state == Onboarding.State.IN_PROGRESS else 0,
                "days": (today - onboarding.started_on).days,
            }
        )
    context = {
        "form": form,
        "page": page,
        "entries": entries,
        "filtered": any(request.GET.get(name, "").strip() for name in FILTERS),
        "page_query": filter_query(request, FILTERS),
        "is_admin": request.user.is_superuser,
    }
    return render(request, "onboarding/portal/onboarding_list.html", context, status=200 if valid else 400)


@require_POST
@portal_view(write=True)
def onboarding_item_complete(request: HttpRequest, onboarding_id: int, item_id: int) -> HttpResponse:
    """Tick an item of a partner's checklist: the partner's manager or an admin (else 403)."""
    onboarding = (
        Onboarding.objects.filter(partner__in=Partner.objects.visible_to(request.user), pk=onboarding_id)
        .only("pk", "partner_id", "template_id")
        .first()
    )
    if onboarding is None or not OnboardingItem.objects.filter(pk=item_id, template_id=onboarding.template_id).exists():
        raise Http404
    try:
        services.onboarding_item_complete(onboarding_id=onboarding.pk, item_id=item_id, actor=request.user)
    except services.OnboardingNotAllowed:
        raise PermissionDenied from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Item done.")
    return redirect(f"{reverse('partner-detail', args=[onboarding.partner_id])}#onboarding")


# --- templates (administrators) ---------------------------------------------------------


def _admin_only(request: HttpRequest) -> None:
    if not request.user.is_superuser:
        raise PermissionDenied


@portal_view
def template_list(request: HttpRequest) -> HttpResponse:
    """Every agreement version (current ones first) and every checklist, with the forms to publish a
    new agreement version; administrators only."""
    _admin_only(request)
    form = AgreementTemplateForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                template = services.agreement_template_publish(
                    actor=request.user,
                    name=data["name"],
                    kind=data["kind"],
                    partner_type=data["partner_type"],
                    region_id=data["region"].pk if data["region"] else None,
                    valid_months=data["valid_months"],
                    body=data["body"],
                )
            except FieldErrors as exc:
                form.add_service_errors(exc.errors)
            else:
                messages.success(request, f"{template} is published and current.")
                return redirect("onboarding-templates")
    agreements = AgreementTemplate.objects.select_related("region").order_by(
        "-is_current", "partner_type", "region_id", "-version"
    )[:200]
    checklists = OnboardingTemplate.objects.prefetch_related("items").order_by("partner_type")
    context = {"form": form, "agreements": agreements, "checklists": checklists}
    return render(request, "onboarding/portal/templates.html", context, status=status)


@require_POST
@portal_view
def agreement_template_retire(request: HttpRequest, template_id: int) -> HttpResponse:
    _admin_only(request)
    template = get_object_or_404(AgreementTemplate, pk=template_id)
    services.agreement_template_retire(template_id=template.pk, actor=request.user)
    messages.success(request, f"{template} is no longer offered.")
    return redirect("onboarding-templates")


@portal_view
def checklist_edit(request: HttpRequest, template_id: int | None = None) -> HttpResponse:
    """A checklist and its items, edited together (errors next to each field); administrators only."""
    _admin_only(request)
    template = get_object_or_404(OnboardingTemplate, pk=template_id) if template_id else None
    form = OnboardingTemplateForm(request.POST or None, instance=template, prefix="checklist")
    items = OnboardingItemFormSet(request.POST or None, instance=template or OnboardingTemplate(), prefix="items")
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and items.is_valid():
            with transaction.atomic():
                saved = form.save()
                items.instance = saved
                items.save()
            messages.success(request, f"The checklist “{saved.name}” is saved.")
            return redirect("onboarding-templates")
    context = {"form": form, "items": items, "template": template}
    return render(request, "onboarding/portal/checklist_form.html", context, status=status)
