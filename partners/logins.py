"""Services for logins: deactivation and the audit trail of access."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from partners.models import ApiToken, AuditEvent

User = get_user_model()


def audit_record(*, action: str, actor=None, subject=None, identifier: str = "", request=None, **data) -> AuditEvent:
    """Append one row to the audit trail."""
    ip = request.META.get("REMOTE_ADDR") if request is not None else None
    return AuditEvent.objects.create(
        action=action,
        actor=actor if actor is not None and actor.is_authenticated else None,
        subject=subject,
        identifier=identifier[:254],
        ip_address=ip,
        data=data,
    )


@transaction.atomic
def user_deactivate(*, user_id: int, actor, request=None) -> User:
    """Deactivate a login at once: its sessions stop authenticating (inactive users are refused on
    every request) and its API tokens are deleted."""
    user = User.objects.select_for_update().get(pk=user_id)
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    revoked, _ = ApiToken.objects.filter(user=user).delete()
    audit_record(action=AuditEvent.Action.USER_DEACTIVATED, actor=actor, subject=user, request=request, tokens=revoked)
    return user
