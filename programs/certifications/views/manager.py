"""The manager portal's certification pages: every certification with filters, the verification
queue (oldest first), a certification's page where the partner's manager verifies or rejects it,
the evidence file, and the definitions (administrators change them)."""

from __future__ import annotations

import mimetypes
from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timesince import timesince
from django.views.decorators.http import require_POST

from partners.models import Partner
from partners.reference import reference
from partners.roles import Role, role_of
from partners.views.access import portal_view
from prm.counting import BoundedPaginator
from prm.errors import DomainError, FieldErrors
from programs.certifications import selectors, services
from programs.certifications.filters import ORDERING_LABELS
from programs.certifications.forms import DefinitionForm, RejectForm
from programs.certifications.models import Certification
from programs.certifications.views.display import certification_row, filter_query, filterset

PAGE_SIZE = 50
FILTERS = ("search", "state", "vertical", "partner", "expires_before", "ordering")


def _certification_or_404(request: HttpRequest, certification_id: int) -> Certification:
    try:
        return selectors.certification_get(user=request.user, certification_id=certification_id)
    except Certification.DoesNotExist:
        raise Http404 from None


def _is_admin(user) -> bool:
    return user.is_staff and role_of(user) == Role.ADMIN


@portal_view
def certification_list(request: HttpRequest) -> HttpResponse:
    """Every certification, filtered by CertificationFilterSet (the API's filters). Queries: the
    bounded count, one page with partner, contact and definition joined, the partner filtered by."""
    found = filterset(request, selectors.certification_list(user=request.user), FILTERS)
    valid = found.is_valid()
    page = BoundedPaginator(found.qs if valid else Certification.objects.none(), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    partner_ids = found.form.cleaned_data.get("partner") if valid else ()
    today = timezone.localdate()
    context = {
        "form": found.form,
        "page": page,
        "rows": [certification_row(certification, today=today) for certification in page.object_list],
        "state_choices": Certification.State.choices,
        "vertical_choices": list(reference().verticals.items()),
        "ordering_choices": list(ORDERING_LABELS.items()),
        "partners": list(Partner.objects.visible_to(request.user).filter(pk__in=partner_ids).values("pk", "name"))
        if partner_ids
        else [],
        "filtered": any(request.GET.get(name, "").strip() for name in FILTERS if name != "ordering"),
        "page_query": filter_query(request, FILTERS),
    }
    return render(request, "certifications/portal/certification_list.html", context, status=200 if valid else 400)


@portal_view
def verification_queue(request: HttpRequest) -> HttpResponse:
    """Certifications waiting for verification, oldest first, with how long each has waited.
    Queries: the bounded count and one page."""
    page = BoundedPaginator(selectors.verification_queue(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    now, today = timezone.now(), timezone.localdate()
    rows = []
    for certification in page.object_list:
        row = certification_row(certification, today=today)
        row["waiting"] = timesince(certification.created_at, now, depth=1)
        row["may_decide"] = services.may_decide(request.user, certification.partner)
        rows.append(row)
    return render(request, "certifications/portal/verification_queue.html", {"page": page, "rows": rows})


@portal_view
def verification_badge(request: HttpRequest) -> HttpResponse:
    """The number of certifications waiting, for the navigation (asked for by htmx after the page)."""
    count = selectors.verification_queue(user=request.user).order_by().count()
    response = render(request, "certifications/portal/_queue_badge.html", {"count": count})
    response["Cache-Control"] = "no-store"
    return response


def _detail(request: HttpRequest, certification: Certification, *, reject_form=None, status=200) -> HttpResponse:
    context = {
        "row": certification_row(certification),
        "certification": certification,
        "may_decide": certification.state == Certification.State.PENDING
        and services.may_decide(request.user, certification.partner),
        "reject_form": reject_form or RejectForm(),
    }
    return render(request, "certifications/portal/certification_detail.html", context, status=status)


@portal_view
def certification_detail(request: HttpRequest, certification_id: int) -> HttpResponse:
    """One certification: holder, dates, evidence, who recorded and decided it, and the decision."""
    return _detail(request, _certification_or_404(request, certification_id))


def _back(request: HttpRequest, certification: Certification) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("certification-detail", certification.pk)


@require_POST
@portal_view(write=True)
def certification_verify(request: HttpRequest, certification_id: int) -> HttpResponse:
    certification = _certification_or_404(request, certification_id)
    try:
        services.certification_verify(certification_id=certification.pk, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{certification.definition.name} of {certification.contact.name} is verified.")
    return _back(request, certification)


@require_POST
@portal_view(write=True)
def certification_reject(request: HttpRequest, certification_id: int) -> HttpResponse:
    certification = _certification_or_404(request, certification_id)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            services.certification_reject(
                certification_id=certification.pk, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except FieldErrors as exc:
            form.add_service_errors(exc.errors)
        except DomainError as exc:
            messages.error(request, exc.message)
            return _back(request, certification)
        else:
            messages.success(request, f"{certification.definition.name} of {certification.contact.name} is rejected.")
            return _back(request, certification)
    return _detail(request, certification, reject_form=form, status=400)


@login_required
def certification_evidence(request: HttpRequest, certification_id: int) -> FileResponse:
    """The evidence file of a certification the user may see (staff: any; a partner's login: its
    own organisation's); else 404. Never from a public media URL."""
    certification = selectors.certification_list(user=request.user).filter(pk=certification_id).first()
    if certification is None or not certification.evidence:
        raise Http404
    try:
        handle = certification.evidence.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    name = PurePath(certification.evidence.name).name
    response = FileResponse(handle, as_attachment=True, filename=f"certification-{certification.pk}-{name}")
    response["Content-Type"] = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- definitions ----------------------------------------------------------------------------


def _definition_values(form: DefinitionForm) -> dict:
    return {name: form.cleaned_data[name] for name in DefinitionForm.base_fields}


@portal_view
def definition_list(request: HttpRequest) -> HttpResponse:
    """The catalogue; administrators add to it here (other staff read it). One query for the list."""
    admin = _is_admin(request.user)
    form = DefinitionForm(request.POST or None) if admin else None
    status = 200
    if request.method == "POST":
        if not admin:
            raise Http404
        status = 400
        if form.is_valid():
            try:
                definition = services.definition_create(actor=request.user, **_definition_values(form))
            except FieldErrors as exc:
                form.add_service_errors(exc.errors)
            else:
                messages.success(request, f"“{definition.name}” was added.")
                return redirect("certification-definition-list")
    context = {"definitions": list(selectors.definition_list(user=request.user)), "form": form, "admin": admin}
    return render(request, "certifications/portal/definition_list.html", context, status=status)


@portal_view(write=True)
def definition_edit(request: HttpRequest, definition_id: int) -> HttpResponse:
    """Change a definition (administrators; a manager gets a 404 as for a page that is not theirs)."""
    if not _is_admin(request.user):
        raise Http404
    definition = selectors.definition_list(user=request.user).filter(pk=definition_id).first()
    if definition is None:
        raise Http404
    initial = {
        "name": definition.name, "vertical": definition.vertical_id, "validity_months": definition.validity_months,
        "description": definition.description, "is_active": definition.is_active,
    }  # fmt: skip
    form = DefinitionForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            changes = {name: form.cleaned_data[name] for name in form.changed_data}
            try:
                services.definition_update(definition_id=definition.pk, actor=request.user, **changes)
            except FieldErrors as exc:
                form.add_service_errors(exc.errors)
            else:
                messages.success(request, f"“{form.cleaned_data['name']}” was saved.")
                return redirect(reverse("certification-definition-list"))
    context = {"definition": definition, "form": form}
    return render(request, "certifications/portal/definition_edit.html", context, status=status)
