"""The partner's certification pages at /partner/certifications/: its contacts' certifications
with their state and expiry, and recording one with the certificate. Any login of the
organisation (admin or member) records; another organisation's contact is refused like an unknown one."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from partners.selfservice.access import partner_view
from prm.counting import BoundedPaginator
from prm.errors import FieldErrors
from programs.certifications import selectors, services
from programs.certifications.forms import CertificationRecordForm
from programs.certifications.models import Certification
from programs.certifications.views.display import certification_row, filter_query, filterset

PAGE_SIZE = 25
FILTERS = ("state", "vertical", "search")


@partner_view
def certification_list(request: HttpRequest) -> HttpResponse:
    """The organisation's certifications, newest first, each with an expiry badge; queries: the
    login's membership and organisation, the coverage per vertical, the bounded count and one page."""
    found = filterset(request, selectors.certification_list(user=request.user), FILTERS)
    valid = found.is_valid()
    page = BoundedPaginator(found.qs if valid else Certification.objects.none(), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    today = timezone.localdate()
    context = {
        "partner": request.partner,
        "form": found.form,
        "state_choices": Certification.State.choices,
        "coverage": selectors.partner_coverage(user=request.user, partner_id=request.partner.pk, today=today),
        "page": page,
        "rows": [certification_row(certification, today=today) for certification in page.object_list],
        "filtered": any(request.GET.get(name, "").strip() for name in FILTERS),
        "page_query": filter_query(request, FILTERS),
    }
    return render(request, "certifications/partner/certification_list.html", context, status=200 if valid else 400)


@partner_view
def certification_record(request: HttpRequest) -> HttpResponse:
    """Record a contact's certification with its certificate; the service's errors next to their
    fields (an unreadable or oversized file, dates, a contact not of this organisation)."""
    form = CertificationRecordForm(
        request.POST or None,
        request.FILES or None,
        contacts=selectors.contacts_of(user=request.user, partner_id=request.partner.pk),
        definitions=selectors.definition_list(user=request.user, active_only=True),
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                certification = services.certification_record(
                    partner_id=request.partner.pk,
                    actor=request.user,
                    contact_id=data["contact"],
                    definition_id=data["definition"],
                    earned_on=data["earned_on"],
                    expires_on=data["expires_on"],
                    evidence=data["evidence"],
                )
            except FieldErrors as exc:
                form.add_service_errors(exc.errors)
            else:
                messages.success(
                    request,
                    f"{certification.definition.name} of {certification.contact.name} is recorded; "
                    "your partner manager verifies it.",
                )
                return redirect("partner-certifications:certification-list")
    context = {"partner": request.partner, "form": form}
    return render(request, "certifications/partner/certification_record.html", context, status=status)
