"""A partner's documents: the list with expiry badges, and uploads by partner admins."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from partners.portal.access import can_write, partner_view
from partners.portal.forms import DocumentUploadForm
from partners.portal.selectors import EXPIRY_WARNING_DAYS, expiry_state
from partners.records import services
from partners.records.selectors import document_list


@partner_view
def document_list_page(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    documents = list(document_list(user=request.user, partner_ids=[request.partner.pk]).order_by("kind", "-id"))
    for document in documents:
        document.expiry = expiry_state(document, today)
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
                return redirect("partner_portal:documents")
    return render(request, "partner/document_form.html", {"form": form, "partner": request.partner}, status=status)
