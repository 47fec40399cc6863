"""Adding, changing and removing a partner's contacts."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from partners import services
from partners.forms import ContactForm
from partners.views.access import (
    _changeable_partner,
    _contact_or_404,
    portal_view,
)
from partners.views.partner_pages import _show_service_error


@portal_view(write=True)
def contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    partner = _changeable_partner(request.user, pk)
    form = ContactForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                contact = services.contact_add(partner_id=pk, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                status = _show_service_error(form, exc)
            else:
                messages.success(request, f"{contact.name} was added as a contact.")
                return redirect(f"{reverse('partner-detail', args=[pk])}#contacts")
    return render(
        request, "portal/contact_form.html", {"form": form, "partner": partner, "contact": None}, status=status
    )


@portal_view(write=True)
def contact_edit(request: HttpRequest, pk: int, contact_id: int) -> HttpResponse:
    partner = _changeable_partner(request.user, pk)
    contact = _contact_or_404(request.user, partner, contact_id)
    form = ContactForm(request.POST or None, instance=contact)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            changes = {name: form.cleaned_data[name] for name in form.changed_data}
            try:
                saved = services.contact_update(contact_id=contact.pk, actor=request.user, **changes)
            except ValidationError as exc:
                status = _show_service_error(form, exc)
            else:
                messages.success(request, f"{saved.name} was saved." if changes else "Nothing was changed.")
                return redirect(f"{reverse('partner-detail', args=[pk])}#contacts")
        contact = _contact_or_404(request.user, partner, contact_id)
    return render(
        request, "portal/contact_form.html", {"form": form, "partner": partner, "contact": contact}, status=status
    )


@portal_view(write=True)
def contact_remove(request: HttpRequest, pk: int, contact_id: int) -> HttpResponse:
    """GET asks for confirmation (so it works without JavaScript); POST removes."""
    partner = _changeable_partner(request.user, pk)
    contact = _contact_or_404(request.user, partner, contact_id)
    if request.method == "POST":
        services.contact_remove(contact_id=contact.pk, actor=request.user)
        messages.success(request, f"{contact.name} was removed from the contacts.")
        return redirect(f"{reverse('partner-detail', args=[pk])}#contacts")
    return render(request, "portal/contact_remove.html", {"partner": partner, "contact": contact})
