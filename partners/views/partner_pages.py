"""A partner's page (profile, contacts, timeline) and the forms that create and change partners."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers

from partners import selectors, services
from partners.forms import PartnerForm, PartnerStatusForm
from partners.panels import partner_panels
from partners.records.selectors import partner_records
from partners.roles import can_change_partner
from partners.services import InvalidStatusTransition
from partners.views.access import (
    _changeable_partner,
    _partial_wanted,
    _partner_or_404,
    can_write,
    portal_view,
)
from prm.errors import DomainError
from prm.querystring import int_or_default

TIMELINE_PAGE_SIZE = 50

ACTIVITY_ICONS = {
    "created": "plus-circle",
    "updated": "pencil",
    "status_changed": "arrow-left-right",
    "contact_added": "person-plus",
    "contact_updated": "person-gear",
    "contact_removed": "person-dash",
    "note": "sticky",
    "meeting": "people",
    "call": "telephone",
    "email": "envelope",
}


@portal_view
def partner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Profile, contacts, portal access and timeline (50 entries at a time, one query each) of one partner."""
    partner = _partner_or_404(request.user, pk)
    timeline_page = int_or_default(request.GET.get("timeline_page"), 1)
    offset = (timeline_page - 1) * TIMELINE_PAGE_SIZE
    # one row more than shown tells whether there is more, without a COUNT
    activities = list(
        selectors.partner_timeline(user=request.user, partner_id=partner.pk)[offset : offset + TIMELINE_PAGE_SIZE + 1]
    )
    for activity in activities:
        activity.icon = ACTIVITY_ICONS.get(activity.kind, "dot")
    timeline = {
        "activities": activities[:TIMELINE_PAGE_SIZE],
        "page": timeline_page,
        "has_more": len(activities) > TIMELINE_PAGE_SIZE,
        "has_newer": timeline_page > 1,
    }
    if _partial_wanted(request) and "timeline_page" in request.GET:
        response = render(request, "partials/_timeline_items.html", {"partner": partner, "timeline": timeline})
        patch_vary_headers(response, ("HX-Request",))
        return response
    contacts = sorted(
        selectors.contact_list(user=request.user, partner_ids=[partner.pk]), key=lambda contact: not contact.is_primary
    )
    regions, verticals = selectors.reference_names(regions=partner.regions, verticals=partner.verticals)
    # what other apps add (programs: open outcomes and the health trend), registered at start-up
    panels = partner_panels(user=request.user, partner=partner)
    response = render(
        request,
        "portal/partner_detail.html",
        {
            "partner": partner,
            "contacts": contacts,
            "access": selectors.partner_access(user=request.user, partner_id=partner.pk),
            "timeline": timeline,
            "regions": [(code, regions.get(code, code)) for code in partner.regions],
            "verticals": [(slug, verticals.get(slug, slug)) for slug in partner.verticals],
            "can_write": can_write(request.user),
            "can_change": can_change_partner(request.user, partner),
            "next": request.get_full_path(),
            "records": partner_records(user=request.user, partner_id=partner.pk, today=timezone.localdate()),
            "today": timezone.localdate(),
            **panels,
        },
    )
    patch_vary_headers(response, ("HX-Request",))
    return response


# --- partner writes -------------------------------------------------------------------


def _show_service_error(form, exc: ValidationError | DomainError, field: str | None = None) -> int:
    """Put a service's refusal on the form (on ``field`` for a DomainError); return the HTTP status."""
    if isinstance(exc, ValidationError):
        form.add_error(None, exc)
        return 400
    form.add_error(field, exc.message)
    return exc.status_code


@portal_view(write=True)
def partner_create(request: HttpRequest) -> HttpResponse:
    form = PartnerForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                partner = services.partner_create(actor=request.user, **form.create_kwargs())
            except ValidationError as exc:
                status = _show_service_error(form, exc)
            else:
                messages.success(request, f"{partner.name} was added to the registry.")
                return redirect("partner-detail", pk=partner.pk)
    return render(request, "portal/partner_form.html", {"form": form, "partner": None}, status=status)


@portal_view(write=True)
def partner_edit(request: HttpRequest, pk: int) -> HttpResponse:
    partner = _changeable_partner(request.user, pk)
    form = PartnerForm(request.POST or None, instance=partner)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            changes = form.changed_fields()
            if not changes:
                messages.info(request, "Nothing was changed.")
                return redirect("partner-detail", pk=pk)
            try:
                services.partner_update(
                    partner_id=pk,
                    actor=request.user,
                    expected_version=form.cleaned_data["expected_version"],
                    **changes,
                )
            except (ValidationError, DomainError) as exc:
                status = _show_service_error(form, exc)
            else:
                messages.success(request, f"{form.cleaned_data['name']} was saved.")
                return redirect("partner-detail", pk=pk)
        # the heading and the cancel link show the partner as stored, not the rejected input
        partner = _partner_or_404(request.user, pk)
    return render(request, "portal/partner_form.html", {"form": form, "partner": partner}, status=status)


@portal_view(write=True)
def partner_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm a status change; only the statuses Partner.TRANSITIONS allows are offered, and
    an illegal one (a forged form, or a change made meanwhile) is the service's 409, shown
    on the status field."""
    partner = _changeable_partner(request.user, pk)
    form = PartnerStatusForm(request.POST or None, partner=partner)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                changed = services.partner_change_status(
                    partner_id=pk,
                    actor=request.user,
                    status=form.cleaned_data["status"],
                    reason=form.cleaned_data["reason"],
                    expected_version=form.cleaned_data["expected_version"],
                )
            except InvalidStatusTransition as exc:
                status = _show_service_error(form, exc, field="status")
            except (ValidationError, DomainError) as exc:
                status = _show_service_error(form, exc)
            else:
                messages.success(request, f"{partner.name} is now {changed.get_status_display().lower()}.")
                return redirect("partner-detail", pk=pk)
    return render(request, "portal/partner_status.html", {"form": form, "partner": partner}, status=status)
