"""Invitations: how a person comes to use a login, besides the admin site and seed commands.

A staff member or a partner admin invites an e-mail address with a role; the invitee follows a signed,
single-use, expiring link, picks a name and a password and is logged in with that role. A login
created for someone (partners.users.user_create) gets the same kind of link, naming the login: the
person follows it and sets the login's password.
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
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from partners.invitations.models import INVITATION_DAYS, Invitation
from partners.logins import audit_record
from partners.models import AuditEvent, Partner, PartnerUser
from partners.outbox.services import event_record
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


def login_shape_check(*, email: str, role: str, partner: Partner | None) -> str:
    """The normalised e-mail of a future login, if e-mail, role and partner fit together: a known
    role, a partner for partner roles and none for staff roles. ValidationError with field messages
    otherwise."""
    email = (email or "").strip().lower()
    if not email:
        raise ValidationError({"email": "Enter an e-mail address."})
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": "Enter a valid e-mail address."}) from None
    if role not in ROLES:
        raise ValidationError({"role": f"Choose one of: {', '.join(ROLES)}."})
    if role in Role.PARTNER and partner is None:
        raise ValidationError({"partner": "A partner role needs a partner."})
    if role in Role.STAFF and partner is not None:
        raise ValidationError({"partner": "Staff roles belong to no partner."})
    return email


def partner_check(*, actor, partner: Partner | None) -> None:
    """A partner named by ``actor`` must be one it sees, and for a partner admin its own organisation:
    ValidationError on ``partner`` otherwise, the same answer as for a partner that does not exist."""
    if partner is None:
        return
    visible = Partner.objects.visible_to(actor).filter(pk=partner.pk).exists()
    if not visible or (role_of(actor) == Role.PARTNER_ADMIN and partner.pk != partner_id_of(actor)):
        raise ValidationError({"partner": "Unknown partner."})


def _check_authority(*, actor, role: str, partner: Partner | None) -> None:
    """Admins invite anyone; managers invite partner roles; a partner admin invites partner roles
    to its own organisation; nobody else invites."""
    actor_role = role_of(actor) if actor is not None and actor.is_active else None
    if actor_role not in (Role.ADMIN, Role.MANAGER, Role.PARTNER_ADMIN):
        raise PermissionDenied("Your role cannot invite people.")
    if role in Role.STAFF and actor_role != Role.ADMIN:
        raise PermissionDenied("Only administrators invite staff.")
    partner_check(actor=actor, partner=partner)


def _invitation_create(*, actor, email: str, role: str, partner: Partner | None, user=None, request=None) -> Invitation:
    """Write an invitation, e-mail its link once the transaction commits (the account adapter hands
    the mail to a Celery task) and audit it. With ``user``, the link sets that login's password.
    Call inside a transaction, after the checks."""
    now = timezone.now()
    invitation = Invitation.objects.create(
        email=email,
        role=role,
        partner=partner,
        user=user,
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
    template = "invitations/email/invitation" if user is None else "invitations/email/set_password"
    get_adapter().send_mail(template, email, context)
    audit_record(
        action=AuditEvent.Action.INVITATION_SENT,
        actor=actor,
        subject=user,
        identifier=email,
        request=request,
        invitation=invitation.pk,
        role=role,
        partner=partner.pk if partner is not None else None,
    )
    return invitation


def invitation_send(*, actor, email: str, role: str, partner: Partner | None = None, request=None) -> Invitation:
    """Invite ``email`` with ``role`` (at ``partner`` for partner roles) and e-mail the link.

    Raises ValidationError for a bad shape, an unknown partner or an e-mail that already has a login,
    PermissionDenied when the actor's role may not invite with this role. The e-mail goes out after
    the transaction commits; an audit row records the invitation.
    """
    email = login_shape_check(email=email, role=role, partner=partner)
    _check_authority(actor=actor, role=role, partner=partner)
    existing = User.objects.filter(email__iexact=email).only("is_active").first()
    if existing is not None:
        if existing.is_active:
            raise ValidationError({"email": "This e-mail address already has a login."})
        raise ValidationError(
            {"email": "A deactivated login uses this e-mail address; an administrator can reactivate it."}
        )
    with transaction.atomic():
        return _invitation_create(actor=actor, email=email, role=role, partner=partner, request=request)


def invitation_for_login(*, actor, user, request=None) -> Invitation:
    """E-mail ``user`` (an existing, active login) a set-password link: the same signed, single-use,
    expiring kind of link as an invitation, naming the login. The caller has checked that
    ``actor`` manages the login (partners.users); call inside its transaction."""
    if not user.is_active:
        raise ValidationError("This login is deactivated; reactivate it first.", code="inactive_login")
    role = role_of(user)
    if role is None:
        raise ValidationError("This login has no role; give it one first.", code="no_role")
    partner_id = partner_id_of(user) if role in Role.PARTNER else None
    partner = Partner.objects.get(pk=partner_id) if partner_id is not None else None
    return _invitation_create(actor=actor, email=user.email, role=role, partner=partner, user=user, request=request)


def invitation_pending(*, token: str, lock: bool = False) -> Invitation:
    """The invitation a token names, if it can still be accepted; else ValidationError (code
    ``invalid_invitation``) saying why: tampered, unknown, withdrawn, used or expired, or its login
    was deactivated since."""
    try:
        invitation_id = signing.loads(token, salt=TOKEN_SALT)
    except signing.BadSignature:
        raise ValidationError("This invitation link is not valid.", code="invalid_invitation") from None
    rows = Invitation.objects.select_related("partner", "user")
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
    if invitation.user is not None and not invitation.user.is_active:
        raise ValidationError("This login was deactivated; ask your administrator.", code="invalid_invitation")
    return invitation


def _login_for(invitation: Invitation, *, password: str, name: str) -> User:
    """The login an invitation being accepted gives: the one it names, with the new password and
    name, or a new one (username and verified e-mail address = the invited e-mail) with the invited
    role, staff group or partner membership. ValidationError with ``name`` / ``password`` field
    messages for a bad name or password; without a field when the e-mail has a login meanwhile."""
    name = (name or "").strip()
    first_name, _, last_name = name.partition(" ")
    user = invitation.user
    if user is not None:
        user = User.objects.select_for_update().get(pk=user.pk)
        candidate = user
        candidate.first_name, candidate.last_name = first_name, last_name.strip()
    else:
        candidate = User(username=invitation.email, email=invitation.email, first_name=first_name, last_name=last_name)
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = ["Enter your name."]
    try:
        validate_password(password or "", user=candidate)
    except ValidationError as exc:
        errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    if user is not None:
        user.set_password(password)
        user.save(update_fields=["password", "first_name", "last_name"])
        updated = EmailAddress.objects.filter(user=user, email__iexact=user.email).update(verified=True)
        if not updated:
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        return user
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
    return user


def invitation_accept(*, token: str, password: str, name: str, request=None) -> User:
    """Accept a pending invitation: create its login, or set the password of the login it names.

    The invitation row is locked (select_for_update) for the whole transaction, so two
    simultaneous accepts create one user; the loser sees "already used", and a withdrawal waits
    and then finds it accepted. Other open invitations of the same e-mail are withdrawn, each
    with an ``invitation_withdrawn`` audit row. An audit row ``invitation_accepted`` (actor and
    subject: the login) is written in the same transaction. Raises ValidationError for a bad
    token (no field) or a bad name or password (``name`` / ``password`` fields); nothing is
    written then.
    """
    with transaction.atomic():
        invitation = invitation_pending(token=token, lock=True)
        user = _login_for(invitation, password=password, name=name)
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        others = Invitation.objects.filter(email=invitation.email).exclude(pk=invitation.pk)
        invitations_withdraw_open(
            others, actor=user, request=request, reason=f"invitation {invitation.pk} was accepted"
        )
        audit_record(
            action=AuditEvent.Action.INVITATION_ACCEPTED,
            actor=user,
            subject=user,
            identifier=invitation.email,
            request=request,
            invitation=invitation.pk,
            role=invitation.role,
            partner=invitation.partner_id,
        )
        event_record(
            type="invitation.accepted",
            object_type="invitation",
            object_id=invitation.pk,
            partner_id=invitation.partner_id,
            data={
                "id": invitation.pk,
                "partner": invitation.partner_id,
                "user": user.pk,
                "email": invitation.email,
                "role": invitation.role,
                "invited_by": invitation.invited_by_id,
            },
            actor=user,
        )
    return user


def invitations_withdraw_open(rows: QuerySet[Invitation], *, actor, request=None, reason: str = "") -> int:
    """Withdraw those of ``rows`` still open (neither accepted nor withdrawn; pending or expired),
    locking them first, with an ``invitation_withdrawn`` audit row each naming ``reason``. Returns
    how many. Call inside a transaction."""
    open_rows = list(
        rows.select_for_update()
        .filter(accepted_at__isnull=True, revoked_at__isnull=True)
        .values_list("pk", "email", "role", "partner_id")
    )
    Invitation.objects.filter(pk__in=[pk for pk, *_ in open_rows]).update(revoked_at=timezone.now())
    for pk, email, role, partner_id in open_rows:
        audit_record(
            action=AuditEvent.Action.INVITATION_WITHDRAWN,
            actor=actor,
            identifier=email,
            request=request,
            invitation=pk,
            role=role,
            partner=partner_id,
            reason=reason,
        )
    return len(open_rows)


def _withdrawable(*, actor, invitation_id: int) -> Invitation:
    """The invitation if ``actor`` may withdraw it: whoever may send it. Invitation.DoesNotExist when
    the actor cannot see it (another organisation's, or a staff invitation for a non-admin),
    PermissionDenied when it can see it but not change it (a manager not owning the partner)."""
    actor_role = role_of(actor) if actor is not None and actor.is_active else None
    rows = Invitation.objects.select_related("partner", "user")
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
    ``invitation_withdrawn``. Withdrawing the set-password link of a login created for someone
    leaves the login as it is, without a password.
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
    ``invitation_withdrawn`` (or ``invitation_accepted``). A set-password link is sent again for
    its login, with the login's current role.
    """
    invitation = _withdrawable(actor=actor, invitation_id=invitation_id)
    with transaction.atomic():
        if not _withdraw(invitation, actor=actor, request=request):
            raise Conflict("This invitation was withdrawn; send a new one instead.", code="invitation_withdrawn")
        if invitation.user is not None:
            return invitation_for_login(actor=actor, user=invitation.user, request=request)
        return invitation_send(
            actor=actor, email=invitation.email, role=invitation.role, partner=invitation.partner, request=request
        )
