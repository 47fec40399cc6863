"""Reads of invitations: who sees which."""

from __future__ import annotations

from django.db.models import QuerySet

from partners.invitations.models import Invitation
from partners.models import Partner
from partners.roles import Role, role_of

ACCESS_INVITATIONS_SHOWN = 50  # pending invitations a page lists


def invitation_list(*, user, partner_id: int | None = None, state: str | None = None) -> QuerySet[Invitation]:
    """Invitations the user may see, newest first: an administrator every one (staff invitations
    included), other staff those of every partner, a partner admin its own organisation's, anyone
    else none. ``state`` keeps one of Invitation.State (None: all); the partner comes joined."""
    rows = Invitation.objects.select_related("partner").order_by("-created_at", "-id")
    role = role_of(user) if user.is_active else None
    if role in (Role.MANAGER, Role.ANALYST, Role.PARTNER_ADMIN):
        rows = rows.filter(partner__in=Partner.objects.visible_to(user))
    elif role != Role.ADMIN:
        return rows.none()
    if partner_id is not None:
        rows = rows.filter(partner_id=partner_id)
    if state is not None:
        rows = rows.in_states([state])
    return rows
