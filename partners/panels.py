"""What other apps add to the partner pages, without ``partners`` importing them.

``partners`` is the base the other apps build on and never imports them (import-linter checks it).
An app with something to show on the manager's partner page, or on the partner's self-service
home, registers a provider at start-up, in its ``AppConfig.ready()``: a function called with
``user`` and ``partner`` that returns template context. Each page calls every provider registered
for it and merges what they return; a provider runs its own reads, scoped to the user.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured

Panel = Callable[..., dict[str, Any]]

_PARTNER_PAGE: dict[str, Panel] = {}
_PARTNER_HOME: dict[str, Panel] = {}
_DASHBOARD: dict[str, Panel] = {}
# gates of the partner portal: ``gate(user=..., partner=...)`` returns the URL a login must go
# to before anything else (an agreement to accept), or None
_PORTAL_GATES: dict[str, Callable[..., str | None]] = {}


def register_partner_panel(name: str, provider: Panel) -> None:
    """Show ``provider(user=..., partner=...)``'s context on the manager's partner page; registering
    a name again replaces its provider (``ready()`` may run more than once in tests)."""
    _PARTNER_PAGE[name] = provider


def register_partner_home_panel(name: str, provider: Panel) -> None:
    """Show ``provider(user=..., partner=...)``'s context on the partner's self-service home."""
    _PARTNER_HOME[name] = provider


def register_dashboard_panel(name: str, provider: Panel) -> None:
    """Show a panel on the manager dashboard: ``provider(user=...)`` returns the context of one
    panel including its ``template``, or an empty dict to show nothing for this user."""
    _DASHBOARD[name] = provider


def register_portal_gate(name: str, gate: Callable[..., str | None]) -> None:
    """Make every partner portal page (``partner_view`` without ``gated=False``) send its logins
    to the URL ``gate(user=..., partner=...)`` returns, while it returns one; registering a name
    again replaces its gate."""
    _PORTAL_GATES[name] = gate


def portal_gate(*, user, partner) -> str | None:
    """The URL the first gate that closes sends this login to, or None when every gate is open."""
    for gate in _PORTAL_GATES.values():
        url = gate(user=user, partner=partner)
        if url:
            return url
    return None


def dashboard_panels(*, user) -> list[dict[str, Any]]:
    """Each dashboard provider's panel for this user (those with something to show), in the order
    they were registered; the page includes each one's ``template`` with its context."""
    panels = []
    for name, provider in _DASHBOARD.items():
        panel = provider(user=user)
        if panel:
            if "template" not in panel:
                raise ImproperlyConfigured(f"The dashboard panel {name!r} names no template.")
            panels.append(panel)
    return panels


def partner_panels(*, user, partner) -> dict[str, Any]:
    """The context every provider of the manager's partner page gives for this user and partner."""
    return _merged(_PARTNER_PAGE, user=user, partner=partner)


def partner_home_panels(*, user, partner) -> dict[str, Any]:
    """The context every provider of the partner's self-service home gives for this user and partner."""
    return _merged(_PARTNER_HOME, user=user, partner=partner)


def _merged(providers: dict[str, Panel], **kwargs) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for name, provider in providers.items():
        part = provider(**kwargs)
        clash = sorted(context.keys() & part.keys())
        if clash:  # one panel silently hiding another's data would be hard to notice
            raise ImproperlyConfigured(f"The partner panel {name!r} repeats the context keys {clash}.")
        context |= part
    return context
