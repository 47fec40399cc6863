"""Logins as the users API and the partner admin's users page see them: who may see whom; creating a
login for someone, renaming, role changes, deactivation and reactivation. Each write is audited."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from partners.invitations.models import Invitation
from partners.invitations.services import (
    invitation_for_login,
    invitations_withdraw_open,
    login_shape_check,
    partner_check,
)
from partners.logins import audit_record, sessions_end
from partners.models import ApiToken, AuditEvent, Partner, PartnerUser
from partners.outbox.services import event_record
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


def _managed(*, actor, user_id: int, lock: bool = False) -> User:
    """The login ``user_id`` if ``actor`` manages it (``users_manageable_by``), else User.DoesNotExist."""
    if not users_manageable_by(actor).filter(pk=user_id).exists():
        raise User.DoesNotExist
    rows = User.objects.select_for_update() if lock else User.objects
    return rows.get(pk=user_id)


NAME_MAX = 150


def _split_name(name: str) -> tuple[str, str]:
    """First and last name from one ``name`` ("Ada King" → "Ada", "King"); ValidationError on ``name``."""
    name = " ".join((name or "").split())
    if len(name) > NAME_MAX:
        raise ValidationError({"name": f"Keep the name to {NAME_MAX} characters."})
    first_name, _, last_name = name.partition(" ")
    return first_name, last_name


def user_create(*, actor, email: str, name: str, role: str, partner: Partner | None = None, request=None) -> User:
    """Create a login for someone and e-mail it a set-password link (a signed, single-use,
    expiring invitation naming the login), so the person chooses its own password; until then the
    login has none and cannot log in, though an administrator may give a staff login API tokens
    (a service account for an integration).

    The same authority as invitations, for those who manage logins: an administrator creates any
    login, a partner admin partner logins of its own organisation; PermissionDenied for anyone
    else or for a staff role asked by a partner admin. ValidationError with field messages for a
    bad e-mail, name, role or partner (another organisation's partner is "Unknown partner.", as a
    missing one), an e-mail that has a login, or a terminated partner. One transaction: the user
    (role group or partner membership, an unverified primary e-mail address), the withdrawal of
    other open invitations of the address (a login now exists), the set-password invitation and
    the audit rows ``invitation_sent`` and ``user_created``; the e-mail goes out after commit.
    """
    email = login_shape_check(email=email, role=role, partner=partner)
    actor_role = role_of(actor) if actor is not None and actor.is_active else None
    if actor_role not in (Role.ADMIN, Role.PARTNER_ADMIN):
        raise PermissionDenied("Your role cannot create logins.")
    if role in Role.STAFF and actor_role != Role.ADMIN:
        raise PermissionDenied("Only administrators create staff logins.")
    partner_check(actor=actor, partner=partner)
    if partner is not None and partner.status == Partner.Status.TERMINATED:
        raise ValidationError({"partner": "This partner was terminated; its people can no longer log in."})
    first_name, last_name = _split_name(name)
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "This e-mail address already has a login."})
    with transaction.atomic():
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    username=email,
                    email=email,
                    password=None,  # unusable until the person sets one through the link
                    first_name=first_name,
                    last_name=last_name,
                    is_staff=role in Role.STAFF,
                    is_superuser=role == Role.ADMIN,
                )
        except IntegrityError:  # the same e-mail created at the same moment
            raise ValidationError({"email": "This e-mail address already has a login."}) from None
        if role in (Role.MANAGER, Role.ANALYST):
            user.groups.add(role_group(role))
        elif role in Role.PARTNER:
            PartnerUser.objects.create(user=user, partner=partner, role=role)
        EmailAddress.objects.create(user=user, email=email, verified=False, primary=True)
        invitations_withdraw_open(
            Invitation.objects.filter(email=email), actor=actor, request=request, reason="a login was created for it"
        )
        invitation = invitation_for_login(actor=actor, user=user, request=request)
        audit_record(
            action=AuditEvent.Action.USER_CREATED,
            actor=actor,
            subject=user,
            identifier=email,
            request=request,
            role=role,
            partner=partner.pk if partner is not None else None,
            invitation=invitation.pk,
        )
    return user


@transaction.atomic
def user_rename(*, user_id: int, name: str, actor, request=None) -> User:
    """Change a managed login's name (first word: first name, the rest: last name); audited
    ``user_renamed``. User.DoesNotExist outside the actor's logins, ValidationError on ``name``."""
    user = _managed(actor=actor, user_id=user_id, lock=True)
    first_name, last_name = _split_name(name)
    if not first_name:
        raise ValidationError({"name": "Enter a name."})
    before = user.get_full_name()
    if (user.first_name, user.last_name) != (first_name, last_name):
        user.first_name, user.last_name = first_name, last_name
        user.save(update_fields=["first_name", "last_name"])
        audit_record(
            action=AuditEvent.Action.USER_RENAMED,
            actor=actor,
            subject=user,
            request=request,
            before=before,
            after=user.get_full_name(),
        )
    return user


@transaction.atomic
def user_deactivate(*, user_id: int, actor, request=None) -> User:
    """Deactivate a managed login at once: its sessions are deleted, its API tokens too, and its
    open set-password links withdrawn; audited ``user_deactivated``. User.DoesNotExist outside the
    actor's logins; ValidationError for the actor's own login."""
    user = _managed(actor=actor, user_id=user_id, lock=True)
    if user.pk == actor.pk:
        raise ValidationError({"is_active": "You cannot deactivate yourself."})
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
        partner_id = partner_id_of(user)
        event_record(
            type="user.deactivated",
            object_type="user",
            object_id=user.pk,
            partner_id=partner_id,
            data={"id": user.pk, "partner": partner_id, "email": user.email, "role": user_role(user)},
            actor=actor,
        )
    revoked, _ = ApiToken.objects.filter(user=user).delete()
    sessions = sessions_end(user)
    invitations_withdraw_open(
        Invitation.objects.filter(user=user), actor=actor, request=request, reason="the login was deactivated"
    )
    audit_record(
        action=AuditEvent.Action.USER_DEACTIVATED,
        actor=actor,
        subject=user,
        request=request,
        tokens=revoked,
        sessions=sessions,
    )
    return user


@transaction.atomic
def user_reactivate(*, user_id: int, actor, request=None) -> User:
    """Let a deactivated login log in again; audited ``user_reactivated``. Nothing revoked comes
    back: its API tokens stay deleted and its old sessions ended (any left from before sessions were
    deleted at deactivation are deleted now), so the person logs in afresh and an integration
    needs a new token. The same scoping as deactivation: User.DoesNotExist outside the actor's
    logins. An active login is returned as it is, with no audit row."""
    user = _managed(actor=actor, user_id=user_id, lock=True)
    if user.is_active:
        return user
    user.is_active = True
    user.save(update_fields=["is_active"])
    ApiToken.objects.filter(user=user).delete()
    sessions = sessions_end(user)
    audit_record(
        action=AuditEvent.Action.USER_REACTIVATED, actor=actor, subject=user, request=request, sessions=sessions
    )
    return user
