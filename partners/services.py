"""Writes: partners, contacts, logins and API tokens. Each partner change writes a timeline row."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from partners.events import contact_event, partner_event, partner_snapshot, timeline_record
from partners.logins import audit_record
from partners.models import Activity, ApiToken, AuditEvent, Contact, Partner, PartnerUser
from partners.outbox.services import EventDraft, events_record
from partners.reference import reference
from partners.roles import Role, role_group, role_of
from prm.errors import Conflict, PreconditionFailed

User = get_user_model()

PARTNER_FIELDS = (
    "name",
    "legal_name",
    "slug",
    "external_id",
    "website",
    "description",
    "type",
    "engagement",
    "country",
    "regions",
    "verticals",
    "owner",
)
CONTACT_FIELDS = ("name", "email", "phone", "title", "role")


class InvalidStatusTransition(Conflict):
    code = "invalid_status_transition"


# --- validation shared by create and update -------------------------------------------


def _check_codes(*, regions: Iterable[str] | None, verticals: Iterable[str] | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    ref = reference()
    unknown_regions = sorted(set(regions or ()) - set(ref.regions))
    if unknown_regions:
        errors["regions"] = [f"Unknown region code: {', '.join(unknown_regions)}."]
    unknown_verticals = sorted(set(verticals or ()) - set(ref.verticals))
    if unknown_verticals:
        errors["verticals"] = [f"Unknown vertical: {', '.join(unknown_verticals)}."]
    return errors


def _check_owner(owner) -> dict[str, list[str]]:
    if owner is not None and not (owner.is_staff and owner.is_active):
        return {"owner": ["The owner must be an active staff user."]}
    return {}


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "partner"
    taken = set(Partner.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    suffix = 2
    while f"{base}-{suffix}" in taken:
        suffix += 1
    return f"{base}-{suffix}"


def _check_external_id(external_id: str | None, *, partner_id: int | None = None) -> dict[str, list[str]]:
    if not external_id:
        return {}
    taken = Partner.objects.filter(external_id=external_id).exclude(pk=partner_id)
    return {"external_id": ["Another partner has this external_id."]} if taken.exists() else {}


def _dedupe(values: Iterable[str] | None) -> list[str] | None:
    return None if values is None else list(dict.fromkeys(values))


# --- partners -------------------------------------------------------------------------


def partner_create(
    *,
    actor,
    name: str,
    type: str,
    country: str,
    legal_name: str = "",
    slug: str = "",
    external_id: str | None = None,
    website: str = "",
    description: str = "",
    status: str = Partner.Status.PROSPECT,
    engagement: str = Partner.Engagement.COLLABORATIVE,
    regions: Iterable[str] = (),
    verticals: Iterable[str] = (),
    owner=None,
) -> Partner:
    """Register a partner and open its timeline.

    Unknown regions or verticals, a non-staff owner or a taken slug raise ValidationError
    with field messages; nothing is written then.
    """
    regions, verticals = _dedupe(regions), _dedupe(verticals)
    external_id = external_id or None
    errors = {
        **_check_codes(regions=regions, verticals=verticals),
        **_check_owner(owner),
        **_check_external_id(external_id),
    }
    if slug and Partner.objects.filter(slug=slug).exists():
        errors["slug"] = ["A partner with this slug already exists."]
    if errors:
        raise ValidationError(errors)
    partner = Partner(
        name=name,
        legal_name=legal_name,
        slug=slug or _unique_slug(name),
        external_id=external_id,
        website=website,
        description=description,
        type=type,
        status=status,
        engagement=engagement,
        country=country,
        regions=regions,
        verticals=verticals,
        owner=owner,
    )
    partner.full_clean(exclude=["slug"] if not slug else None)
    try:
        with transaction.atomic():
            partner.save()
            timeline_record(
                partner=partner,
                actor=actor,
                kind=Activity.Kind.CREATED,
                message=f"{partner.get_type_display()} partner created as {partner.get_status_display().lower()}",
                data={"status": status},
            )
            partner_event(type="partner.created", partner=partner, actor=actor)
    except IntegrityError as exc:  # a concurrent create took the slug or the external_id
        field = "external_id" if "external_id" in str(exc) else "slug"
        raise ValidationError({field: [f"A partner with this {field} already exists."]}) from exc
    return partner


@dataclass(frozen=True)
class Upserted:
    partner: Partner
    created: bool


@transaction.atomic
def partner_upsert(
    *, external_id: str, actor, expected_version: int | None = None, must_exist: bool | None = None, **fields
) -> Upserted:
    """Create the partner an integration knows as ``external_id``, or update it: one idempotent call.

    Creation goes through ``partner_create`` and updates through ``partner_update``, so validation,
    the timeline and re-evaluation are those of every other write; ``expected_version`` (If-Match)
    applies to an update. ``must_exist`` True refuses to create and False refuses to update
    (If-Match / If-None-Match: *) with PreconditionFailed. A transaction-scoped advisory lock on the
    external_id makes two simultaneous calls for one id create it once and update it after.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"partner-external-id:{external_id}"])
    existing = Partner.objects.filter(external_id=external_id).values_list("pk", flat=True).first()
    if existing is None:
        if must_exist or expected_version is not None:
            raise PreconditionFailed("No partner has this external_id; a PUT without If-Match creates it.")
        return Upserted(partner=partner_create(actor=actor, external_id=external_id, **fields), created=True)
    if must_exist is False:
        raise PreconditionFailed("A partner with this external_id exists already.")
    fields.pop("external_id", None)
    partner = partner_update(partner_id=existing, actor=actor, expected_version=expected_version, **fields)
    return Upserted(partner=partner, created=False)


def _locked(partner_id: int, expected_version: int | None) -> Partner:
    partner = Partner.objects.select_for_update().get(pk=partner_id)
    if expected_version is not None and partner.version != expected_version:
        raise PreconditionFailed("The partner was changed since you read it; fetch it again.", current=partner.etag)
    return partner


def _describe(value) -> object:
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, list | tuple):
        return list(value)
    return str(value) if value is not None else None


@transaction.atomic
def partner_update(*, partner_id: int, actor, expected_version: int | None = None, **changes) -> Partner:
    """Change a partner's profile; a ``status`` among the changes follows the allowed transitions.

    The row is locked for the transaction, so concurrent writers queue; with
    ``expected_version`` a writer that read an older version gets PreconditionFailed.
    """
    partner = _locked(partner_id, expected_version)
    status = changes.pop("status", None)
    unknown = set(changes) - set(PARTNER_FIELDS)
    if unknown:
        raise ValueError(f"not partner fields: {sorted(unknown)}")
    for key in ("regions", "verticals"):
        if key in changes:
            changes[key] = _dedupe(changes[key])
    errors = {
        **_check_codes(regions=changes.get("regions"), verticals=changes.get("verticals")),
        **(_check_owner(changes["owner"]) if "owner" in changes else {}),
    }
    if "external_id" in changes:
        changes["external_id"] = changes["external_id"] or None
        errors.update(_check_external_id(changes["external_id"], partner_id=partner.pk))
    if "slug" in changes and Partner.objects.filter(slug=changes["slug"]).exclude(pk=partner.pk).exists():
        errors["slug"] = ["A partner with this slug already exists."]
    if errors:
        raise ValidationError(errors)

    diff = {}
    for field, value in changes.items():
        old = getattr(partner, field)
        if _describe(old) != _describe(value):
            diff[field] = [_describe(old), _describe(value)]
            setattr(partner, field, value)
    if diff:
        partner.full_clean()
        partner.version = F("version") + 1
        partner.save()
        partner.refresh_from_db(fields=["version", "updated_at"])
        timeline_record(
            partner=partner,
            actor=actor,
            kind=Activity.Kind.UPDATED,
            message="Updated " + ", ".join(field.replace("_", " ") for field in diff),
            data={"changes": diff},
        )
        partner_event(type="partner.updated", partner=partner, actor=actor, changes=diff)
    if status is not None and status != partner.status:
        partner = partner_change_status(partner_id=partner.pk, actor=actor, status=status)
    return partner


@transaction.atomic
def partner_change_status(
    *, partner_id: int, actor, status: str, reason: str = "", expected_version: int | None = None
) -> Partner:
    """Move a partner along its lifecycle (Partner.TRANSITIONS); anything else is a 409.

    Locks the partner row, so two concurrent changes cannot both start from the same status.
    """
    partner = _locked(partner_id, expected_version)
    if status not in Partner.Status.values:
        raise ValidationError({"status": [f"Unknown status “{status}”."]})
    old = partner.status
    if not partner.can_move_to(status):
        allowed = sorted(Partner.TRANSITIONS[old])
        raise InvalidStatusTransition(
            f"A partner that is {old} cannot become {status}; allowed: {', '.join(allowed)}.",
            current=old,
            allowed=allowed,
        )
    partner.status = status
    partner.version = F("version") + 1
    partner.save(update_fields=["status", "version", "updated_at"])
    partner.refresh_from_db(fields=["version", "updated_at"])
    message = f"Status changed from {old} to {status}" + (f": {reason}" if reason else "")
    timeline_record(
        partner=partner,
        actor=actor,
        kind=Activity.Kind.STATUS_CHANGED,
        message=message,
        data={"from": old, "to": status, "reason": reason},
    )
    partner_event(type="partner.status_changed", partner=partner, actor=actor, changes={"status": [old, status]})
    return partner


def partner_archive(*, partner_id: int, actor, expected_version: int | None = None) -> Partner:
    """Terminate a partner; it is kept with its history (DELETE in the API)."""
    return partner_change_status(
        partner_id=partner_id,
        actor=actor,
        status=Partner.Status.TERMINATED,
        reason="archived",
        expected_version=expected_version,
    )


@transaction.atomic
def partners_mark_inactive(*, days: int, now=None) -> list[int]:
    """Move active partners with no timeline entry for ``days`` days to inactive.

    One conditional UPDATE claims the partners, so a second run (or a concurrent one)
    finds nothing left to move; each moved partner gets one timeline row.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=days)
    quiet = Partner.objects.filter(status=Partner.Status.ACTIVE, last_activity_at__lt=cutoff)
    moved = list(quiet.values_list("pk", flat=True).select_for_update(skip_locked=True))
    if not moved:
        return []
    Partner.objects.filter(pk__in=moved, status=Partner.Status.ACTIVE).update(
        status=Partner.Status.INACTIVE, version=F("version") + 1, updated_at=now, last_activity_at=now
    )
    message = f"Status changed from active to inactive: no activity for {days} days"
    Activity.objects.bulk_create(
        Activity(
            partner_id=pk,
            kind=Activity.Kind.STATUS_CHANGED,
            message=message,
            created_at=now,
            data={"from": "active", "to": "inactive", "reason": "inactivity", "days": days},
        )
        for pk in moved
    )
    events_record(
        (
            EventDraft(
                type="partner.status_changed",
                object_type="partner",
                object_id=partner.pk,
                partner_id=partner.pk,
                data={**partner_snapshot(partner), "changes": {"status": {"from": "active", "to": "inactive"}}},
            )
            for partner in Partner.objects.filter(pk__in=moved)
        ),
        actor=None,
    )
    return moved


# --- contacts -------------------------------------------------------------------------

PRIMARY_TAKEN = "This partner already has a primary contact."


def _save_contact(contact: Contact) -> None:
    contact.full_clean(validate_constraints=False)
    if contact.role == Contact.Role.PRIMARY:
        others = Contact.objects.filter(partner_id=contact.partner_id, role=Contact.Role.PRIMARY).exclude(pk=contact.pk)
        if others.exists():
            raise ValidationError({"role": [PRIMARY_TAKEN]})
    if (
        Contact.objects.filter(partner_id=contact.partner_id, email__iexact=contact.email)
        .exclude(pk=contact.pk)
        .exists()
    ):
        raise ValidationError({"email": ["This partner already has a contact with this e-mail address."]})
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError as exc:  # a concurrent write won the constraint
        raise ValidationError({"role": [PRIMARY_TAKEN]}) from exc


@transaction.atomic
def contact_add(
    *, partner_id: int, actor, name: str, email: str, phone: str = "", title: str = "", role: str = Contact.Role.SALES
) -> Contact:
    """Add a person to a partner; a second primary contact is refused with a field error."""
    partner = Partner.objects.select_for_update().get(pk=partner_id)
    contact = Contact(partner=partner, name=name, email=email.strip().lower(), phone=phone, title=title, role=role)
    _save_contact(contact)
    timeline_record(
        partner=partner,
        actor=actor,
        kind=Activity.Kind.CONTACT_ADDED,
        message=f"Contact {contact.name} added ({contact.get_role_display().lower()})",
        data={"contact": contact.pk, "role": role},
    )
    contact_event(type="contact.created", contact=contact, actor=actor)
    return contact


@transaction.atomic
def contact_update(*, contact_id: int, actor, **changes) -> Contact:
    """Change a contact; the partner row is locked so the primary-contact rule holds under concurrency."""
    contact = Contact.objects.select_related("partner").get(pk=contact_id)
    Partner.objects.select_for_update().filter(pk=contact.partner_id).first()
    unknown = set(changes) - set(CONTACT_FIELDS)
    if unknown:
        raise ValueError(f"not contact fields: {sorted(unknown)}")
    if "email" in changes:
        changes["email"] = changes["email"].strip().lower()
    diff = {f: [getattr(contact, f), v] for f, v in changes.items() if getattr(contact, f) != v}
    if not diff:
        return contact
    for field, (_, value) in diff.items():
        setattr(contact, field, value)
    _save_contact(contact)
    timeline_record(
        partner=contact.partner,
        actor=actor,
        kind=Activity.Kind.CONTACT_UPDATED,
        message=f"Contact {contact.name} updated: " + ", ".join(diff),
        data={"contact": contact.pk, "changes": diff},
    )
    contact_event(type="contact.updated", contact=contact, actor=actor, changes=diff)
    return contact


@transaction.atomic
def contact_remove(*, contact_id: int, actor) -> None:
    """Remove a contact; the timeline keeps who it was."""
    contact = Contact.objects.select_related("partner").get(pk=contact_id)
    partner = contact.partner
    timeline_record(
        partner=partner,
        actor=actor,
        kind=Activity.Kind.CONTACT_REMOVED,
        message=f"Contact {contact.name} removed",
        data={"name": contact.name, "email": contact.email},
    )
    contact_event(type="contact.deleted", contact=contact, actor=actor)
    contact.delete()


# --- logins and API tokens ------------------------------------------------------------


@transaction.atomic
def login_ensure(
    *, email: str, name: str, role: str, password: str, partner: Partner | None = None
) -> tuple[User, bool]:
    """Create a login with a verified e-mail and a role — a staff role, or a partner role at
    ``partner`` — unless the e-mail exists (demo and seed logins; people arrive by invitation).

    Returns the user and whether it was created; an existing user is left untouched so that a
    password changed since is kept.
    """
    if role not in (*Role.STAFF, *Role.PARTNER):
        raise ValueError(f"unknown role {role!r}")
    if (role in Role.PARTNER) != (partner is not None):
        raise ValueError("a partner role needs a partner, and a staff role none")
    email = email.strip().lower()
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        return existing, False
    first_name, _, last_name = name.partition(" ")
    with transaction.atomic():
        user = User.objects.create_user(
            username=email,
            email=email,
            password=password,
            first_name=first_name,
            last_name=last_name,
            is_staff=role in Role.STAFF,
            is_superuser=role == Role.ADMIN,
        )
        if role in (Role.MANAGER, Role.ANALYST):
            user.groups.add(role_group(role))
        elif partner is not None:
            PartnerUser.objects.create(user=user, partner=partner, role=role)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user, True


def may_manage_tokens_of(actor, owner) -> bool:
    """Whether ``actor`` may issue, list and revoke the API tokens of ``owner``: its own, every
    active login; an administrator also those of any staff login (service accounts for
    integrations included). A partner login's tokens are its own only."""
    if not (actor is not None and actor.is_authenticated and actor.is_active):
        return False
    return actor.pk == owner.pk or (role_of(actor) == Role.ADMIN and owner.is_staff)


def api_token_create(
    *, user: User, actor: User | None = None, name: str = "", expires_days: int | None = None, request=None
) -> tuple[ApiToken, str]:
    """Issue a token for ``user``; the key is returned once and only its hash is stored.

    ``actor`` is who asks: by default the user itself (its own token, as the ``api_token``
    command at the shell issues one), or an administrator issuing one for a staff login
    (``may_manage_tokens_of``); PermissionDenied otherwise. A deactivated login gets none
    (ValidationError on ``user``). Without ``expires_days`` the token lives API_TOKEN_TTL_DAYS.
    Audited ``api_token_created`` with the prefix, name and expiry.
    """
    actor = user if actor is None else actor
    if not may_manage_tokens_of(actor, user):
        raise PermissionDenied("You may issue tokens only for yourself, or as an administrator for staff logins.")
    if not user.is_active:
        raise ValidationError({"user": "This login is deactivated; reactivate it first."})
    lifetime = {"expiry": timedelta(days=expires_days)} if expires_days else {}  # else knox's TOKEN_TTL
    with transaction.atomic():
        token, key = ApiToken.objects.create(user=user, name=name or "", **lifetime)
        audit_record(
            action=AuditEvent.Action.API_TOKEN_CREATED,
            actor=actor,
            subject=user,
            request=request,
            prefix=token.token_key,
            name=token.name,
            expiry=token.expiry.isoformat() if token.expiry else None,
        )
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User, request=None) -> None:
    """Revoke at once: the hash is deleted, so the key stops working on the next request. The owner
    revokes its own tokens, an administrator those of staff logins (PermissionDenied otherwise);
    audited ``api_token_revoked``."""
    if not may_manage_tokens_of(actor, token.user):
        raise PermissionDenied("You may revoke only your own tokens, or as an administrator those of staff logins.")
    audit_record(
        action=AuditEvent.Action.API_TOKEN_REVOKED,
        actor=actor,
        subject=token.user,
        request=request,
        prefix=token.token_key,
        name=token.name,
    )
    token.delete()
