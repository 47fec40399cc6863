"""Logins as the users API and the partner admin's users page see them: who may see whom, and role changes."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet

from partners.logins import audit_record
from partners.models import AuditEvent, Partner, PartnerUser
from partners.querysets import partner_id_of
from partners.roles import Role, role_group, role_of

User = get_user_model()


def users_manageable_by(user) -> QuerySet:
    """The logins ``user`` manages: every login for an administrator, its own organisation's for a partner
    admin (none once the organisation was terminated), none for anyone else. Rows carry their partner
    membership and groups, so ``user_role`` needs no further query."""
    rows = User.objects.select_related("partner_user").prefetch_related("groups").order_by("email", "id")
    if not (user.is_authenticated and user.is_active):
        return rows.none()
    role = role_of(user)
    if role == Role.ADMIN:
        return rows
    if role == Role.PARTNER_ADMIN:
        visible = Partner.objects.visible_to(user).filter(pk=partner_id_of(user))
        return rows.filter(is_staff=False, partner_user__partner__in=visible)
    return rows.none()


def user_role(user) -> str | None:
    """The role of a row from ``users_manageable_by`` (no query: groups are prefetched)."""
    if user.is_superuser:
        return Role.ADMIN
    if user.is_staff:
        names = {group.name for group in user.groups.all()}
        return next((role for role in (Role.MANAGER, Role.ANALYST) if Role.GROUP_NAMES[role] in names), None)
    link = getattr(user, "partner_user", None)
    return link.role if link is not None else None


def user_partner_id(user) -> int | None:
    link = None if user.is_staff else getattr(user, "partner_user", None)
    return link.partner_id if link is not None else None


@transaction.atomic
def user_role_change(*, user_id: int, role: str, actor, request=None) -> User:
    """Give a login another role of the same kind (staff to staff, partner to partner; a partner login
    stays with its organisation). Locks the user row; writes an AuditEvent ``role_changed``.

    Raises PermissionDenied when the actor may not manage this login or grant this role, and
    ValidationError for an unknown role, a change of kind or a change of the actor's own role.
    """
    target = users_manageable_by(actor).filter(pk=user_id).first()
    if target is None:
        raise User.DoesNotExist
    if role not in (*Role.STAFF, *Role.PARTNER):
        raise ValidationError({"role": "Unknown role."})
    if target.pk == actor.pk:
        raise ValidationError({"role": "You cannot change your own role."})
    before = user_role(target)
    if (before in Role.PARTNER) != (role in Role.PARTNER) or (target.is_staff and role in Role.PARTNER):
        raise ValidationError({"role": "A login keeps its kind: staff roles for staff, partner roles for partners."})
    if role in Role.STAFF and role_of(actor) != Role.ADMIN:
        raise PermissionDenied("Only administrators grant staff roles.")
    if before == role:
        return target
    user = User.objects.select_for_update().get(pk=target.pk)
    if role in Role.PARTNER:
        PartnerUser.objects.filter(user_id=user.pk).update(role=role)
    else:
        user.is_superuser = role == Role.ADMIN
        user.save(update_fields=["is_superuser"])
        user.groups.remove(*[role_group(name) for name in (Role.MANAGER, Role.ANALYST)])
        if role != Role.ADMIN:
            user.groups.add(role_group(role))
    audit_record(
        action=AuditEvent.Action.ROLE_CHANGED, actor=actor, subject=user, request=request, before=before, after=role
    )
    return users_manageable_by(actor).get(pk=user.pk)
