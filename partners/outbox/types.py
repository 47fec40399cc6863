"""The event types the outbox knows; a capability registers its own at start-up.

Webhook subscriptions and notification rules refuse names that are not here, and expand
wildcards such as ``partner.*`` against this list.
"""

from __future__ import annotations

import fnmatch

_TYPES: dict[str, str] = {}


def register_event_type(name: str, description: str) -> None:
    _TYPES[name] = description


def event_types() -> dict[str, str]:
    """Every known type and what it means, in name order."""
    return dict(sorted(_TYPES.items()))


def event_type_exists(name: str) -> bool:
    return name in _TYPES


def pattern_is_valid(pattern: str) -> bool:
    """A subscription pattern: a known type, ``*``, or ``<object>.*`` where some type starts so."""
    if pattern == "*":
        return True
    if pattern.endswith(".*"):
        prefix = pattern[:-1]
        return any(name.startswith(prefix) for name in _TYPES)
    return pattern in _TYPES


def pattern_matches(pattern: str, event_type: str) -> bool:
    return fnmatch.fnmatchcase(event_type, pattern)


for _name, _description in (
    ("partner.created", "A partner was added to the registry."),
    ("partner.updated", "A partner's details changed; `changes` names the fields, old and new."),
    ("partner.status_changed", "A partner moved through its lifecycle (onboarding, active, …)."),
    ("contact.created", "A contact was added to a partner."),
    ("contact.updated", "A contact's details changed."),
    ("contact.deleted", "A contact was removed from a partner."),
    ("document.uploaded", "A document was uploaded to a partner, by its manager or by the partner."),
    ("review.recorded", "A business review held with a partner was recorded."),
    ("invitation.accepted", "Someone accepted an invitation and now has a login."),
    ("user.deactivated", "A login was deactivated; its sessions and tokens ended."),
):
    register_event_type(_name, _description)
