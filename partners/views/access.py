"""Who may open the manager portal and who may write in it."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from partners import selectors
from partners.models import Contact, Partner
from partners.querysets import partner_id_of
from partners.roles import Role, can_change_partner, role_of

WRITER_ROLES = frozenset({Role.ADMIN, Role.MANAGER})


def can_write(user) -> bool:
    """Admins and partner managers change partners; analysts only read."""
    return bool(user.is_authenticated and user.is_staff and role_of(user) in WRITER_ROLES)


def portal_view(view: Callable | None = None, *, write: bool = False):
    """Log-in required and staff only: a partner's login opening a page is sent to its own pages at
    /partner/ (a write gets a 404, whatever it names), anyone else gets a 404 (as for a partner they
    may not see);
    ``write=True`` also requires a writer's role, else 403, for GET and POST alike."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_staff:
                if partner_id_of(request.user) is not None and request.method in ("GET", "HEAD"):
                    return redirect("selfservice:home")
                raise Http404
            if write and not can_write(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorate(view) if view is not None else decorate


def _partner_or_404(user, pk: int) -> Partner:
    try:
        return selectors.partner_get(user=user, partner_id=pk)
    except Partner.DoesNotExist:
        raise Http404 from None


def _changeable_partner(user, pk: int) -> Partner:
    """The partner ``user`` may see (else 404) and change (else 403: a manager not owning it)."""
    partner = _partner_or_404(user, pk)
    if not can_change_partner(user, partner):
        raise PermissionDenied
    return partner


def _contact_or_404(user, partner: Partner, contact_id: int) -> Contact:
    contact = selectors.contact_list(user=user, partner_ids=[partner.pk]).filter(pk=contact_id).first()
    if contact is None:
        raise Http404
    return contact


def _partial_wanted(request: HttpRequest) -> bool:
    """An htmx request for a fragment (not the full page htmx asks for on a history miss)."""
    return bool(request.htmx) and not request.htmx.history_restore_request
