"""A partner's documents: the current ones with expiry badges and their earlier versions, uploads
and replacements by partner admins."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from partners.records import services
from partners.records.models import PartnerDocument
from partners.records.selectors import document_earlier_versions, document_list
from partners.selfservice.access import can_write, partner_view, require_partner_admin
from partners.selfservice.forms import DocumentReplaceForm, DocumentUploadForm
from partners.selfservice.selectors import EXPIRY_WARNING_DAYS, expiry_state
from prm.errors import Conflict


@partner_view
def document_list_page(request: HttpRequest) -> HttpResponse:
    """The documents held now, each with the versions it replaced; two queries whatever their number."""
    today = timezone.localdate()
    ids = [request.partner.pk]
    documents = list(document_list(user=request.user, partner_ids=ids, current_only=True).order_by("kind", "-id"))
    earlier = document_earlier_versions(user=request.user, partner_ids=ids)
    for document in documents:
        document.expiry = expiry_state(document, today)
        document.earlier = earlier.get(document.pk, [])
    context = {
        "partner": request.partner,
        "documents": documents,
        "can_write": can_write(request),
        "warning_days": EXPIRY_WARNING_DAYS,
    }
    return render(request, "partner/document_list.html", context)


@partner_view(write=True)
def document_upload(request: HttpRequest) -> HttpResponse:
    """A refused file (type, size, content) is shown next to the file field and nothing is stored."""
    form = DocumentUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                document = services.document_add(partner_id=request.partner.pk, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"“{document.title}” was uploaded.")
                return redirect("selfservice:documents")
    return render(request, "partner/document_form.html", {"form": form, "partner": request.partner}, status=status)


def _document_or_404(request: HttpRequest, document_id: int) -> PartnerDocument:
    document = (
        document_list(user=request.user, partner_ids=[request.partner.pk])
        .select_related("replaced_by")
        .filter(pk=document_id)
        .first()
    )
    if document is None:
        raise Http404
    return document


@partner_view
def document_replace(request: HttpRequest, document_id: int) -> HttpResponse:
    """Upload a newer version of one of the organisation's documents; another organisation's is a 404.

    A document already replaced (before the page opened, or meanwhile) is said so on the page,
    and a refused file is shown next to the file field; in both cases nothing is stored.
    """
    document = _document_or_404(request, document_id)
    require_partner_admin(request)
    form = DocumentReplaceForm(request.POST or None, request.FILES or None, initial={"title": document.title})
    status = 200
    if request.method == "POST":
        status = 400
        if document.replaced_by_id is not None:
            status = 409
        elif form.is_valid():
            try:
                new = services.document_replace(document_id=document.pk, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            except Conflict:  # replaced by someone else since the page was read
                document, status = _document_or_404(request, document_id), 409
            else:
                messages.success(request, f"“{document.title}” was replaced by “{new.title}”.")
                return redirect("selfservice:documents")
    document.expiry = expiry_state(document, timezone.localdate())
    context = {"form": form, "partner": request.partner, "document": document}
    return render(request, "partner/document_replace.html", context, status=status)
