"""An administrator's API tokens page (/settings/tokens/): the tokens of every staff login, service
accounts for integrations included; issue one (its key is shown once) and revoke one.

Other staff get a 403 (they manage their own tokens through /api/v1/tokens/); partner logins are
sent to their own pages, as everywhere in the manager portal.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from partners.forms import BootstrapFormMixin
from partners.roles import Role, role_of
from partners.selectors import api_token_list, token_owners
from partners.services import api_token_create, api_token_revoke
from partners.views.access import portal_view


def _owner_label(user) -> str:
    name = user.get_full_name()
    label = f"{name} ({user.email})" if name else user.email
    return label if user.is_active else f"{label} · deactivated"


class TokenCreateForm(BootstrapFormMixin, forms.Form):
    user = forms.ModelChoiceField(
        queryset=None,
        label="Owner",
        empty_label="Choose a staff login",
        help_text="The token acts as this login, with its role: for an integration, a login made for it "
        "(an analyst reads, a manager writes).",
    )
    name = forms.CharField(max_length=100, label="Name", help_text="What it is for, e.g. “CRM sync”.")
    expires_days = forms.IntegerField(
        min_value=1, max_value=3650, initial=90, label="Expires after (days)", help_text="From 1 to 3650 days."
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = token_owners(user=actor)
        self.fields["user"].label_from_instance = _owner_label


def _admin_only(request: HttpRequest) -> None:
    if role_of(request.user) != Role.ADMIN:
        raise PermissionDenied


@never_cache  # the page that shows a new key must not be kept by any cache
@portal_view
def token_list_page(request: HttpRequest) -> HttpResponse:
    """Every staff login's tokens, newest first, and the form that issues one; after issuing, the
    key is shown once on the answer to that POST."""
    _admin_only(request)
    form = TokenCreateForm(request.POST or None, actor=request.user)
    created, key, status = None, None, 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                created, key = api_token_create(
                    user=data["user"],
                    actor=request.user,
                    name=data["name"],
                    expires_days=data["expires_days"],
                    request=request,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                status = 200
                form = TokenCreateForm(actor=request.user)
    context = {
        "tokens": list(api_token_list(user=request.user)),
        "form": form,
        "created": created,
        "key": key,
        "now": timezone.now(),
    }
    return render(request, "portal/token_list.html", context, status=status)


@portal_view
def token_revoke_page(request: HttpRequest, prefix: str) -> HttpResponse:
    """Ask, then revoke one token: the key stops working at once."""
    _admin_only(request)
    token = api_token_list(user=request.user).filter(token_key=prefix).first()
    if token is None:
        raise Http404
    if request.method == "POST":
        api_token_revoke(token=token, actor=request.user, request=request)
        messages.success(request, f"The token “{token.name or token.token_key}” was revoked; its key no longer works.")
        return redirect("settings-tokens")
    return render(request, "portal/token_revoke.html", {"token": token})
