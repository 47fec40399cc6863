"""Invitations: the only way a new login comes to exist besides the admin site and seed commands.

A staff member or a partner admin invites an e-mail address with a role; the invitee follows a signed,
single-use, expiring link, picks a name and a password and is logged in with that role.
"""

from __future__ import annotations

from datetime import timedelta

from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from partners.invitations.models import INVITATION_DAYS, Invitation
from partners.logins import audit_record
from partners.models import AuditEvent, Partner, PartnerUser
from partners.querysets import partner_id_of
from partners.roles import Role, can_change_partner, role_group, role_of
from prm.errors import Conflict

User = get_user_model()

TOKEN_SALT = "partners.invitation"  # noqa: S105 (a namespace for the signer, not a secret)
ROLES = (*Role.STAFF, *Role.PARTNER)


def invitation_token(invitation: Invitation) -> str:
    """The signed token of the e-mailed link; it names the invitation and cannot be forged or altered."""
    return signing.dumps(invitation.pk, salt=TOKEN_SALT)


def invitation_url(invitation: Invitation) -> str:
    """The absolute accept link (settings.SITE_URL, not the request's host, which a client controls)."""
    return settings.SITE_URL.rstrip("/") + reverse("invitation-accept", args=[invitation_token(invitation)])


def _check_authority(*, actor, role: str, partner: Partner | None) -> None:
    """Admins invite anyone; managers invite partner roles; a partner admin invites partner roles
    to its own organisation; nobody else invites."""
    actor_role = role_of(actor) if actor is not None and actor.is_active else None
    if actor_role not in (Role.ADMIN, Role.MANAGER, Role.PARTNER_ADMIN):
        raise PermissionDenied("Your role cannot invite people.")
    if role in Role.STAFF and actor_role != Role.ADMIN:
        raise PermissionDenied("Only administrators invite staff.")
    if partner is None:
        return
    visible = Partner.objects.visible_to(actor).filter(pk=partner.pk).exists()
    if not visible or (actor_role == Role.PARTNER_ADMIN and partner.pk != partner_id_of(actor)):
        raise ValidationError({"partner": "Unknown partner."})  # the same answer as for a partner that does not exist


def invitation_send(*, actor, email: str, role: str, partner: Partner | None = None, request=None) -> Invitation:
    """Invite ``email`` with ``role`` (at ``partner`` for partner roles) and e-mail the link.

    Raises ValidationError for a bad shape, an unknown partner or an e-mail that already has a login,
    PermissionDenied when the actor's role may not invite with this role. The e-mail goes out after
    the transaction commits (the account adapter hands it to a Celery task); an audit row records
    the invitation.
    """
    email = (email or "").strip().lower()
    if not email:
        raise ValidationError({"email": "Enter an e-mail address."})
    if role not in ROLES:
        raise ValidationError({"role": f"Choose one of: {', '.join(ROLES)}."})
    if role in Role.PARTNER and partner is None:
        raise ValidationError({"partner": "A partner role needs a partner."})
    if role in Role.STAFF and partner is not None:
        raise ValidationError({"partner": "Staff roles belong to no partner."})
    _check_authority(actor=actor, role=role, partner=partner)
    existing = User.objects.filter(email__iexact=email).only("is_active").first()
    if existing is not None:
        if existing.is_active:
            raise ValidationError({"email": "This e-mail address already has a login."})
        raise ValidationError(
            {"email": "A deactivated login uses this e-mail address; an administrator can reactivate it."}
        )
    with transaction.atomic():
        now = timezone.now()
        invitation = Invitation.objects.create(
            email=email,
            role=role,
            partner=partner,
            invited_by=actor,
            created_at=now,
            expires_at=now + timedelta(days=INVITATION_DAYS),
        )
        context = {
            "invitation": invitation,
            "accept_url": invitation_url(invitation),
            "inviter_name": actor.get_full_name() or actor.email,
            "organisation": partner.name if partner is not None else "OpenPRM",
            "role_label": invitation.get_role_display(),
            "days": INVITATION_DAYS,
        }
        get_adapter().send_mail("partners/email/invitation", email, context)
        audit_record(
            action=AuditEvent.Action.INVITATION_SENT,
            actor=actor,
            identifier=email,
            request=request,
            invitation=invitation.pk,
            role=role,
            partner=partner.pk if partner is not None else None,
        )
    return invitation


def invitation_pending(*, token: str, lock: bool = False) -> Invitation:
    """The invitation a token names, if it can still be accepted; else ValidationError (code
    ``invalid_invitation``) saying why: tampered, unknown, withdrawn, used or expired."""
    try:
        invitation_id = signing.loads(token, salt=TOKEN_SALT)
    except signing.BadSignature:
        raise ValidationError("This invitation link is not valid.", code="invalid_invitation") from None
    rows = Invitation.objects.select_related("partner")
    if lock:
        rows = rows.select_for_update(of=("self",))
    invitation = rows.filter(pk=invitation_id).first()
    if invitation is None or invitation.revoked_at is not None:
        raise ValidationError("This invitation was withdrawn.", code="invalid_invitation")
    if invitation.accepted_at is not None:
        raise ValidationError("This invitation was already used; log in instead.", code="invalid_invitation")
    if invitation.expires_at <= timezone.now():
        raise ValidationError("This invitation has expired; ask for a new one.", code="invalid_invitation")
    if invitation.partner is not None and invitation.partner.status == Partner.Status.TERMINATED:
        raise ValidationError("This organisation no longer has access.", code="invalid_invitation")
    return invitation


def invitation_accept(*, token: str, password: str, name: str, request=None) -> User:
    """Turn a pending invitation into a login: the user (username and verified e-mail address =
    the invited e-mail) with the invited role, staff group or partner membership.

    The invitation row is locked (select_for_update) for the whole transaction, so two
    simultaneous accepts create one user; the loser sees "already used", and a withdrawal waits
    and then finds it accepted. Other pending invitations of the same e-mail are withdrawn, each
    with an ``invitation_withdrawn`` audit row. An audit row ``invitation_accepted`` (actor and
    subject: the new login) is written in the same transaction. Raises ValidationError for a bad
    token (no field) or a bad name or password (``name`` / ``password`` fields); nothing is
    written then.
    """
    with transaction.atomic():
        invitation = invitation_pending(token=token, lock=True)
        name = (name or "").strip()
        first_name, _, last_name = name.partition(" ")
        errors: dict[str, list[str]] = {}
        if not name:
            errors["name"] = ["Enter your name."]
        candidate = User(username=invitation.email, email=invitation.email, first_name=first_name, last_name=last_name)
        try:
            validate_password(password or "", user=candidate)
        except ValidationError as exc:
            errors["password"] = exc.messages
        if errors:
            raise ValidationError(errors)
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise ValidationError("This e-mail address already has a login; log in instead.", code="invalid_invitation")
        role = invitation.role
        user = User.objects.create_user(
            username=invitation.email,
            email=invitation.email,
            password=password,
            first_name=first_name,
            last_name=last_name.strip(),
            is_staff=role in Role.STAFF,
            is_superuser=role == Role.ADMIN,
        )
        if role in (Role.MANAGER, Role.ANALYST):
            user.groups.add(role_group(role))
        elif role in Role.PARTNER:
            PartnerUser.objects.create(user=user, partner_id=invitation.partner_id, role=role)
        EmailAddress.objects.create(user=user, email=invitation.email, verified=True, primary=True)
        now = timezone.now()
        invitation.accepted_at = now
        invitation.save(update_fields=["accepted_at"])
        others = list(
            Invitation.objects.select_for_update()
            .filter(email=invitation.email, accepted_at__isnull=True, revoked_at__isnull=True)
            .exclude(pk=invitation.pk)
            .values_list("pk", "role", "partner_id")
        )
        Invitation.objects.filter(pk__in=[pk for pk, _, _ in others]).update(revoked_at=now)
        for other, other_role, other_partner in others:
            audit_record(
                action=AuditEvent.Action.INVITATION_WITHDRAWN,
                actor=user,
                identifier=invitation.email,
                request=request,
                invitation=other,
                role=other_role,
                partner=other_partner,
                reason=f"invitation {invitation.pk} was accepted",
            )
        audit_record(
            action=AuditEvent.Action.INVITATION_ACCEPTED,
            actor=user,
            subject=user,
            identifier=invitation.email,
            request=request,
            invitation=invitation.pk,
            role=role,
            partner=invitation.partner_id,
        )
    return user


def _withdrawable(*, actor, invitation_id: int) -> Invitation:
    """The invitation if ``actor`` may withdraw it: whoever may send it. Invitation.DoesNotExist when
    the actor cannot see it (another organisation's, or a staff invitation for a non-admin),
    PermissionDenied when it can see it but not change it (a manager not owning the partner)."""
    actor_role = role_of(actor) if actor is not None and actor.is_active else None
    rows = Invitation.objects.select_related("partner")
    if actor_role != Role.ADMIN:
        rows = rows.filter(partner__in=Partner.objects.visible_to(actor))
    invitation = rows.filter(pk=invitation_id).first()
    if invitation is None:
        raise Invitation.DoesNotExist
    if actor_role == Role.ADMIN:
        return invitation
    if actor_role in (Role.MANAGER, Role.PARTNER_ADMIN) and can_change_partner(actor, invitation.partner):
        return invitation
    raise PermissionDenied("Your role cannot withdraw this invitation.")


def _withdraw(invitation: Invitation, *, actor, request=None) -> bool:
    """Claim the withdrawal with a conditional UPDATE and audit it; True when this call withdrew it,
    False when it was withdrawn already. Raises Conflict ``invitation_accepted``. Call inside a
    transaction."""
    claimed = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    invitation.refresh_from_db(fields=["accepted_at", "revoked_at"])
    if claimed != 1:
        if invitation.accepted_at is not None:
            raise Conflict(
                "This invitation was accepted already; deactivate the login instead.", code="invitation_accepted"
            )
        return False
    audit_record(
        action=AuditEvent.Action.INVITATION_WITHDRAWN,
        actor=actor,
        identifier=invitation.email,
        request=request,
        invitation=invitation.pk,
        role=invitation.role,
        partner=invitation.partner_id,
    )
    return True


def invitation_withdraw(*, invitation_id: int, actor, request=None) -> Invitation:
    """Withdraw an invitation so its link answers "This invitation was withdrawn."

    Who may send it may withdraw it (see ``_withdrawable``). A conditional UPDATE claims the row
    only while it is neither accepted nor withdrawn, so a withdrawal racing an acceptance cannot
    both win: the accept locks the row and the UPDATE, waiting for it, then matches nothing.
    Raises Conflict ``invitation_accepted`` for an accepted invitation; an invitation withdrawn
    already is returned as it is (idempotent, no second audit row). Writes an audit row
    ``invitation_withdrawn``.
    """
    invitation = _withdrawable(actor=actor, invitation_id=invitation_id)
    with transaction.atomic():
        _withdraw(invitation, actor=actor, request=request)
    return invitation


def invitation_resend(*, invitation_id: int, actor, request=None) -> Invitation:
    """Replace an invitation that was not used with a new one (new link, new expiry), e.g. when the
    first mail was lost or the link expired; the old link stops working.

    One transaction: the old invitation is withdrawn (the same claim as ``invitation_withdraw``)
    and the new one sent, or neither happens. Only an invitation still open (pending or expired)
    is resent, so two simultaneous resends send one mail; the other gets Conflict
    ``invitation_withdrawn`` (or ``invitation_accepted``).
    """
    invitation = _withdrawable(actor=actor, invitation_id=invitation_id)
    with transaction.atomic():
        if not _withdraw(invitation, actor=actor, request=request):
            raise Conflict("This invitation was withdrawn; send a new one instead.", code="invitation_withdrawn")
        return invitation_send(
            actor=actor, email=invitation.email, role=invitation.role, partner=invitation.partner, request=request
        )
