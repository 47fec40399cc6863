"""Who may open the partner portal and who may write in it."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from partners import selectors
from partners.models import Partner, PartnerUser
from partners.panels import portal_gate
from partners.querysets import partner_link


def partner_view(view: Callable | None = None, *, write: bool = False, gated: bool = True):
    """Log-in required; staff go to the manager portal; a login without an organisation, or whose
    organisation was terminated, gets a 404; ``write=True`` also requires the partner_admin role
    (else 403, GET and POST alike). While a portal gate registered by another app is closed (an
    agreement to accept first, partners.panels.register_portal_gate), the page redirects to the
    gate's page, GET and POST alike (htmx gets an ``HX-Redirect``); the gate's own page says
    ``gated=False``.

    The view finds its organisation (read through ``visible_to``) on ``request.partner`` and the
    login's membership on ``request.partner_user``; templates use the latter for the navbar.
    """

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.user.is_staff:
                return redirect("dashboard")
            membership = partner_link(request.user)
            if membership is None:
                raise Http404
            try:
                partner = selectors.partner_get(user=request.user, partner_id=membership.partner_id)
            except Partner.DoesNotExist:  # terminated: visible_to shows nothing any more
                raise Http404 from None
            if write and membership.role != PartnerUser.Role.PARTNER_ADMIN:
                raise PermissionDenied
            request.partner = partner
            request.partner_user = membership
            if gated:
                url = portal_gate(user=request.user, partner=partner)
                if url:
                    if getattr(request, "htmx", False):
                        return HttpResponse(status=204, headers={"HX-Redirect": url})
                    return redirect(url)
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorate(view) if view is not None else decorate


def can_write(request: HttpRequest) -> bool:
    """Partner admins change their organisation's data; members only read."""
    return request.partner_user.role == PartnerUser.Role.PARTNER_ADMIN


def require_partner_admin(request: HttpRequest) -> None:
    """403 for a member, after a view that names one object has looked it up: another organisation's
    object is a 404 for every role, its own is a 403 for a member."""
    if not can_write(request):
        raise PermissionDenied
