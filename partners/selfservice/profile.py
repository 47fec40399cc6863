"""A partner edits its own profile: name, legal name, website and description only."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from partners import selectors, services
from partners.selfservice.access import can_write, partner_view
from partners.selfservice.forms import PartnerProfileForm
from prm.errors import DomainError


@partner_view
def profile_edit(request: HttpRequest) -> HttpResponse:
    """Partner admins change the profile; members see it read-only and a POST of theirs is a 403."""
    writer = can_write(request)
    if request.method == "POST" and not writer:
        raise PermissionDenied
    partner = request.partner
    form = PartnerProfileForm(request.POST or None, instance=partner)
    if not writer:
        for field in form.fields.values():
            field.disabled = True
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            changes = form.changed_fields()
            try:
                services.partner_update(
                    partner_id=partner.pk,
                    actor=request.user,
                    expected_version=form.cleaned_data["expected_version"],
                    **changes,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            except DomainError as exc:  # changed meanwhile by someone else
                form.add_error(None, exc.message)
                status = exc.status_code
            else:
                messages.success(request, "Your profile was saved." if changes else "Nothing was changed.")
                return redirect("selfservice:home")
        # the form's instance took the posted values; the heading shows the stored name
        partner = selectors.partner_get(user=request.user, partner_id=partner.pk)
    return render(
        request, "partner/profile_form.html", {"form": form, "partner": partner, "can_write": writer}, status=status
    )
