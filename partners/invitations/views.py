"""Invitation pages: the public accept page, and a manager inviting a partner's contact to the portal,
withdrawing or resending an invitation from the partner's page."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from partners.forms import BootstrapFormMixin
from partners.invitations.models import Invitation
from partners.invitations.selectors import invitation_list
from partners.invitations.services import (
    invitation_accept,
    invitation_pending,
    invitation_resend,
    invitation_send,
    invitation_withdraw,
)
from partners.roles import Role
from partners.views.access import _changeable_partner, _contact_or_404, portal_view
from prm.errors import Conflict

PARTNER_ROLE_CHOICES = [(Role.PARTNER_MEMBER, "Partner member"), (Role.PARTNER_ADMIN, "Partner admin")]


class AcceptForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(max_length=150, label="Your name")
    password = forms.CharField(widget=forms.PasswordInput(render_value=False), label="Password", strip=False)
    confirm = forms.CharField(widget=forms.PasswordInput(render_value=False), label="Password again", strip=False)

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("confirm") and data["password"] != data["confirm"]:
            self.add_error("confirm", "The two passwords differ.")
        return data


class InviteForm(forms.Form):
    role = forms.ChoiceField(choices=PARTNER_ROLE_CHOICES)


def _bad_link(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return render(request, "invitations/invitation_invalid.html", {"reason": " ".join(exc.messages)}, status=400)


def invitation_accept_page(request: HttpRequest, token: str) -> HttpResponse:
    """Public: the invitee picks a name and a password (of the login made for it, or of a new one),
    is logged in and lands on the manager portal or its self-service pages.

    A tampered, expired, used or withdrawn link shows a friendly 400 page and changes nothing.
    """
    try:
        invitation = invitation_pending(token=token)
    except ValidationError as exc:
        return _bad_link(request, exc)
    existing = invitation.user  # a login made for the person: the link sets its password
    initial = {"name": existing.get_full_name()} if existing is not None else {}
    form = AcceptForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                user = invitation_accept(
                    token=token,
                    password=form.cleaned_data["password"],
                    name=form.cleaned_data["name"],
                    request=request,
                )
            except ValidationError as exc:
                if not hasattr(exc, "error_dict"):
                    return _bad_link(request, exc)
                form.add_error(None, exc)
            else:
                login(request, user, backend="partners.backends.PartnerAwareModelBackend")
                messages.success(request, "Welcome to OpenPRM.")
                return redirect("dashboard" if user.is_staff else "selfservice:home")
    context = {"form": form, "invitation": invitation}
    return render(request, "invitations/invitation_accept.html", context, status=status)


@require_POST
@portal_view(write=True)
def contact_invite(request: HttpRequest, pk: int, contact_id: int) -> HttpResponse:
    """Invite one of a partner's contacts to the partner portal with the chosen partner role."""
    partner = _changeable_partner(request.user, pk)  # the managers who may change its contacts
    contact = _contact_or_404(request.user, partner, contact_id)
    back = f"{reverse('partner-detail', args=[pk])}#contacts"
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a portal role for the invitation.")
        return redirect(back)
    try:
        invitation_send(
            actor=request.user, email=contact.email, role=form.cleaned_data["role"], partner=partner, request=request
        )
    except ValidationError as exc:
        messages.error(request, f"{contact.name} was not invited: {' '.join(exc.messages)}")
    else:
        messages.success(request, f"{contact.name} was invited to the partner portal.")
    return redirect(back)


def _partner_invitation(request: HttpRequest, pk: int, invitation_id: int) -> tuple[Invitation, str]:
    """The invitation of a partner the manager may change (else 403), or 404; and the way back."""
    partner = _changeable_partner(request.user, pk)
    invitation = invitation_list(user=request.user, partner_id=partner.pk).filter(pk=invitation_id).first()
    if invitation is None:
        raise Http404
    return invitation, f"{reverse('partner-detail', args=[pk])}#access"


@require_POST
@portal_view(write=True)
def partner_invitation_withdraw(request: HttpRequest, pk: int, invitation_id: int) -> HttpResponse:
    """Withdraw a pending invitation to the partner's portal: its link stops working at once."""
    invitation, back = _partner_invitation(request, pk, invitation_id)
    try:
        invitation_withdraw(invitation_id=invitation.pk, actor=request.user, request=request)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"The invitation of {invitation.email} was withdrawn.")
    return redirect(back)


@require_POST
@portal_view(write=True)
def partner_invitation_resend(request: HttpRequest, pk: int, invitation_id: int) -> HttpResponse:
    """Send an invitation again with a new link and expiry; the old link stops working."""
    invitation, back = _partner_invitation(request, pk, invitation_id)
    try:
        invitation_resend(invitation_id=invitation.pk, actor=request.user, request=request)
    except Conflict as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, f"{invitation.email} was not invited again: {' '.join(exc.messages)}")
    else:
        messages.success(request, f"A new invitation was sent to {invitation.email}.")
    return redirect(back)
