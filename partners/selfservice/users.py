"""A partner admin's own organisation's logins: see them, invite colleagues, deactivate a login, withdraw
or resend an invitation."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from partners.forms import BootstrapFormMixin
from partners.invitations.models import Invitation
from partners.invitations.selectors import ACCESS_INVITATIONS_SHOWN, invitation_list
from partners.invitations.services import invitation_resend, invitation_send, invitation_withdraw
from partners.roles import Role
from partners.selfservice.access import partner_view, require_partner_admin
from partners.users import user_deactivate, user_role, users_manageable_by
from prm.errors import Conflict


class ColleagueInviteForm(BootstrapFormMixin, forms.Form):
    email = forms.EmailField(max_length=254, label="E-mail")
    role = forms.ChoiceField(
        choices=[(Role.PARTNER_MEMBER, "Partner member"), (Role.PARTNER_ADMIN, "Partner admin")], label="Role"
    )


@partner_view(write=True)
def user_list(request: HttpRequest) -> HttpResponse:
    """The organisation's logins and pending invitations; POST invites a colleague (partner roles only)."""
    form = ColleagueInviteForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                invitation_send(actor=request.user, partner=request.partner, request=request, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"An invitation was sent to {form.cleaned_data['email']}.")
                return redirect("selfservice:users")
    users = [(user, user_role(user)) for user in users_manageable_by(request.user)]
    pending = invitation_list(user=request.user, partner_id=request.partner.pk, state="pending")[
        :ACCESS_INVITATIONS_SHOWN
    ]
    context = {"partner": request.partner, "users": users, "pending": pending, "form": form}
    return render(request, "partner/user_list.html", context, status=status)


# The actions on one login or invitation look it up first (partner_view without ``write``): a member
# manages none, so every one it names is a 404, as anything outside one's scope; then the role.


@require_POST
@partner_view
def user_deactivate_page(request: HttpRequest, user_id: int) -> HttpResponse:
    """Deactivate one of the organisation's logins: its sessions and API tokens stop at once."""
    user = users_manageable_by(request.user).filter(pk=user_id).first()
    if user is None:
        raise Http404
    require_partner_admin(request)
    if user.pk == request.user.pk:
        raise PermissionDenied
    user_deactivate(user_id=user.pk, actor=request.user, request=request)
    messages.success(request, f"{user.get_full_name() or user.email} can no longer log in.")
    return redirect("selfservice:users")


def _own_invitation(request: HttpRequest, invitation_id: int) -> Invitation:
    """One of the organisation's invitations; 404 for another organisation's or an unknown one."""
    invitation = invitation_list(user=request.user, partner_id=request.partner.pk).filter(pk=invitation_id).first()
    if invitation is None:
        raise Http404
    return invitation


@require_POST
@partner_view
def invitation_withdraw_page(request: HttpRequest, invitation_id: int) -> HttpResponse:
    """Withdraw one of the organisation's invitations: its link stops working at once."""
    invitation = _own_invitation(request, invitation_id)
    require_partner_admin(request)
    try:
        invitation_withdraw(invitation_id=invitation.pk, actor=request.user, request=request)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"The invitation of {invitation.email} was withdrawn.")
    return redirect("selfservice:users")


@require_POST
@partner_view
def invitation_resend_page(request: HttpRequest, invitation_id: int) -> HttpResponse:
    """Send one of the organisation's invitations again with a new link; the old link stops working."""
    invitation = _own_invitation(request, invitation_id)
    require_partner_admin(request)
    try:
        invitation_resend(invitation_id=invitation.pk, actor=request.user, request=request)
    except Conflict as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"A new invitation was sent to {invitation.email}.")
    return redirect("selfservice:users")
