"""A partner's own contacts: everyone reads the list, partner admins add, change and remove."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from partners import selectors, services
from partners.forms import ContactForm
from partners.models import Contact
from partners.selfservice.access import can_write, partner_view, require_partner_admin


def _contact_or_404(request: HttpRequest, contact_id: int) -> Contact:
    contact = selectors.contact_list(user=request.user, partner_ids=[request.partner.pk]).filter(pk=contact_id).first()
    if contact is None:
        raise Http404
    return contact


@partner_view
def contact_list(request: HttpRequest) -> HttpResponse:
    """The organisation's contacts, primary first; one query whatever their number."""
    contacts = sorted(
        selectors.contact_list(user=request.user, partner_ids=[request.partner.pk]),
        key=lambda contact: not contact.is_primary,
    )
    context = {"partner": request.partner, "contacts": contacts, "can_write": can_write(request)}
    return render(request, "partner/contact_list.html", context)


def _contact_form(request: HttpRequest, contact: Contact | None) -> HttpResponse:
    form = ContactForm(request.POST or None, instance=contact)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                if contact is None:
                    saved = services.contact_add(partner_id=request.partner.pk, actor=request.user, **form.cleaned_data)
                else:
                    changes = {name: form.cleaned_data[name] for name in form.changed_data}
                    saved = services.contact_update(contact_id=contact.pk, actor=request.user, **changes)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"{saved.name} was {'added' if contact is None else 'saved'}.")
                return redirect("selfservice:contacts")
        if contact is not None:  # the instance took the posted values; show the stored ones
            contact = _contact_or_404(request, contact.pk)
    context = {"form": form, "partner": request.partner, "contact": contact}
    return render(request, "partner/contact_form.html", context, status=status)


@partner_view(write=True)
def contact_add(request: HttpRequest) -> HttpResponse:
    return _contact_form(request, None)


@partner_view
def contact_edit(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = _contact_or_404(request, contact_id)
    require_partner_admin(request)
    return _contact_form(request, contact)


@partner_view
def contact_remove(request: HttpRequest, contact_id: int) -> HttpResponse:
    """GET asks for confirmation (so it works without JavaScript); POST removes."""
    contact = _contact_or_404(request, contact_id)
    require_partner_admin(request)
    if request.method == "POST":
        services.contact_remove(contact_id=contact.pk, actor=request.user)
        messages.success(request, f"{contact.name} was removed from your contacts.")
        return redirect("selfservice:contacts")
    return render(request, "partner/contact_remove.html", {"partner": request.partner, "contact": contact})
