"""Writes of certifications: a partner records one of its contacts' certifications with the
evidence, the partner's manager verifies or rejects it, administrators keep the definitions, and a
daily job announces the verified ones about to expire.

Every change of a certification writes the partner's timeline row and an outbox event in the same
transaction (programs.certifications.events). Bad input is refused with FieldErrors naming the
field, before anything (the evidence file included) is stored.
"""

from __future__ import annotations

import calendar
import uuid
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from partners.models import Contact, Partner, Vertical
from partners.records.services import upload_file_type
from partners.roles import Role, can_change_partner, role_of
from prm.errors import Conflict, DomainError, FieldErrors
from programs.certifications.events import certification_changed
from programs.certifications.models import (
    EXPIRY_NOTICE_DAYS,
    MAX_VALIDITY_MONTHS,
    MIN_VALIDITY_MONTHS,
    Certification,
    CertificationDefinition,
)

State = Certification.State
DEFINITION_FIELDS = ("name", "vertical", "validity_months", "description", "is_active")
# the same words whether the contact does not exist or belongs to another organisation
CONTACT_UNKNOWN = "Choose one of your organisation's contacts."


class InvalidCertificationTransition(Conflict):
    code = "invalid_certification_transition"


class CannotDecideCertification(DomainError):
    """Only the partner's manager (its owner, or one who manages all partners) or an administrator
    verifies or rejects a certification."""

    status_code = 403
    code = "cannot_decide_certification"
    default_message = "Only the partner's manager or an administrator verifies its certifications."


class AdministratorsOnly(DomainError):
    status_code = 403
    code = "administrators_only"
    default_message = "Only administrators change certification definitions."


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, on the month's last day when it is shorter (31 Jan + 1 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _user(actor):
    return actor if actor is not None and getattr(actor, "pk", None) else None


def _evidence_errors(evidence: UploadedFile | None) -> tuple[str, dict[str, list[str]]]:
    if evidence is None:
        return "", {}
    try:
        return upload_file_type(evidence), {}
    except ValidationError as exc:
        return "", {"evidence": exc.message_dict.get("file", exc.messages)}


@transaction.atomic
def certification_record(
    *,
    partner_id: int,
    actor,
    contact_id: int | None,
    definition_id: int | None,
    earned_on: date | None,
    expires_on: date | None = None,
    evidence: UploadedFile | None = None,
    today: date | None = None,
) -> Certification:
    """Record that one of the partner's contacts earned a certification; it waits for verification.

    ``expires_on`` defaults to ``earned_on`` plus the definition's validity months. FieldErrors,
    all at once: a contact that is not the partner's (the same words as one that does not exist),
    an unknown or retired definition, a date earned in the future, an expiry not after the date
    earned, evidence that is not a PDF, PNG or JPEG of at most 10 MB (its first bytes are read),
    and the same certification recorded twice for the contact with the same date. The evidence is
    stored under a random name; if the database write fails the file is removed.
    """
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    contact = Contact.objects.filter(pk=contact_id, partner_id=partner_id).first() if contact_id else None
    if contact is None:
        errors["contact"] = [CONTACT_UNKNOWN]
    definition = (
        CertificationDefinition.objects.filter(pk=definition_id, is_active=True).first() if definition_id else None
    )
    if definition is None:
        errors["definition"] = ["Choose a certification from the list."]
    if earned_on is None:
        errors["earned_on"] = ["Give the date the certification was earned."]
    elif earned_on > today:
        errors["earned_on"] = ["The date earned is in the future."]
    if expires_on is not None and earned_on is not None and expires_on <= earned_on:
        errors["expires_on"] = ["The expiry must be after the date earned."]
    extension, file_errors = _evidence_errors(evidence)
    errors.update(file_errors)
    if errors:
        raise FieldErrors(errors)
    certification = Certification(
        partner=Partner.objects.get(pk=partner_id),
        contact=contact,
        definition=definition,
        earned_on=earned_on,
        expires_on=expires_on or add_months(earned_on, definition.validity_months),
        recorded_by=_user(actor),
    )
    if evidence is not None:
        evidence.name = f"{uuid.uuid4().hex}.{extension}"  # the upload's own name never reaches a path
        certification.evidence = evidence
    try:
        with transaction.atomic():
            certification.save()
    except IntegrityError:
        _discard_evidence(certification)
        raise FieldErrors(
            {"definition": ["This certification is already recorded for the contact with this date."]}
        ) from None
    try:
        certification_changed(
            certification=certification, actor=actor, type="certification.recorded", message="Certification recorded"
        )
    except Exception:
        _discard_evidence(certification)
        raise
    return certification


def _discard_evidence(certification: Certification) -> None:
    """A rollback does not undo storage: remove the file of a certification that was not written."""
    if certification.evidence and certification.evidence.name:
        certification.evidence.storage.delete(certification.evidence.name)


def may_decide(user, partner: Partner) -> bool:
    """The partner's manager (as partners.roles says: its owner, or one managing all) or an admin."""
    return bool(user is not None and user.is_authenticated and user.is_staff and can_change_partner(user, partner))


def _decided(certification_id: int, *, actor, state: str, now) -> Certification:
    certification = (
        Certification.objects.select_for_update(of=("self",))
        .select_related("partner", "contact", "definition")
        .get(pk=certification_id)
    )
    if not may_decide(actor, certification.partner):
        raise CannotDecideCertification()
    if not certification.can_move_to(state):
        raise InvalidCertificationTransition(
            f"A certification that is {certification.get_state_display().lower()} cannot be decided again.",
            current=certification.state,
        )
    certification.state = state
    certification.verified_by, certification.verified_at = actor, now
    return certification


@transaction.atomic
def certification_verify(*, certification_id: int, actor, now=None) -> Certification:
    """Verify a pending certification: its holder counts as certified until it expires.

    The row is locked, so of two concurrent decisions one wins and the other gets
    InvalidCertificationTransition; CannotDecideCertification for anyone but the partner's manager
    or an administrator."""
    certification = _decided(certification_id, actor=actor, state=State.VERIFIED, now=now or timezone.now())
    certification.save(update_fields=["state", "verified_by", "verified_at"])
    certification_changed(
        certification=certification, actor=actor, type="certification.verified", message="Certification verified"
    )
    return certification


@transaction.atomic
def certification_reject(*, certification_id: int, actor, reason: str, now=None) -> Certification:
    """Reject a pending certification with the reason the partner reads (required); locks as verify."""
    reason = (reason or "").strip()
    if not reason:
        raise FieldErrors({"reason": ["Say why the certification is rejected; the partner reads it."]})
    certification = _decided(certification_id, actor=actor, state=State.REJECTED, now=now or timezone.now())
    certification.rejection_reason = reason[:500]
    certification.save(update_fields=["state", "verified_by", "verified_at", "rejection_reason"])
    certification_changed(
        certification=certification, actor=actor, type="certification.rejected", message="Certification rejected"
    )
    return certification


def certifications_announce_expiring(*, today: date | None = None, days: int = EXPIRY_NOTICE_DAYS) -> int:
    """Announce (``certification.expiring``) verified certifications that expire within ``days``,
    once per expiry: a conditional UPDATE of ``expiry_announced_for`` claims each, so a second or
    concurrent run announces nothing again, while a certification given a later expiry is announced
    anew. Each announcement commits on its own with its timeline row. Returns how many were announced."""
    today = today or timezone.localdate()
    due = (
        Certification.objects.filter(
            state=State.VERIFIED, expires_on__gte=today, expires_on__lte=today + timedelta(days=days)
        )
        .exclude(expiry_announced_for=F("expires_on"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    announced = 0
    for certification_id in list(due):
        with transaction.atomic():
            claimed = (
                Certification.objects.filter(pk=certification_id, state=State.VERIFIED)
                .exclude(expiry_announced_for=F("expires_on"))
                .update(expiry_announced_for=F("expires_on"))
            )
            if not claimed:
                continue
            certification = Certification.objects.select_related("partner", "contact", "definition").get(
                pk=certification_id
            )
            certification_changed(
                certification=certification,
                actor=None,
                type="certification.expiring",
                message=f"Certification expires on {certification.expires_on:%Y-%m-%d}",
            )
            announced += 1
    return announced


# --- definitions (administrators) -------------------------------------------------------


def _require_admin(actor) -> None:
    if not (actor is not None and actor.is_authenticated and role_of(actor) == Role.ADMIN):
        raise AdministratorsOnly()


def _definition_errors(values: dict, *, definition_id: int | None = None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if "name" in values:
        name = (values["name"] or "").strip()
        values["name"] = name
        if not name:
            errors["name"] = ["Give the certification's name."]
        elif len(name) > 120:
            errors["name"] = ["At most 120 characters."]
        elif CertificationDefinition.objects.filter(name__iexact=name).exclude(pk=definition_id).exists():
            errors["name"] = ["A certification with this name exists already."]
    if "vertical" in values:
        vertical = values["vertical"]
        slug = vertical.pk if isinstance(vertical, Vertical) else (vertical or "")
        found = Vertical.objects.filter(pk=slug).first() if slug else None
        if found is None:
            errors["vertical"] = [f"Unknown vertical “{slug}”." if slug else "Choose the vertical."]
        values["vertical"] = found
    if "validity_months" in values:
        months = values["validity_months"]
        if (
            isinstance(months, bool)
            or not isinstance(months, int)
            or not (MIN_VALIDITY_MONTHS <= months <= MAX_VALIDITY_MONTHS)
        ):
            errors["validity_months"] = [
                f"Must be a whole number of months from {MIN_VALIDITY_MONTHS} to {MAX_VALIDITY_MONTHS}."
            ]
    if "description" in values:
        values["description"] = (values["description"] or "").strip()
        if len(values["description"]) > 2000:
            errors["description"] = ["At most 2000 characters."]
    return errors


@transaction.atomic
def definition_create(
    *, actor, name: str, vertical, validity_months: int, description: str = "", is_active: bool = True
) -> CertificationDefinition:
    """Add a certification to the catalogue (administrators only): a unique name (whatever its
    case), a known vertical and a validity of 1 to 120 months, else FieldErrors."""
    _require_admin(actor)
    values = {"name": name, "vertical": vertical, "validity_months": validity_months, "description": description}
    errors = _definition_errors(values)
    if errors:
        raise FieldErrors(errors)
    return CertificationDefinition.objects.create(**values, is_active=bool(is_active))


@transaction.atomic
def definition_update(*, definition_id: int, actor, **changes) -> CertificationDefinition:
    """Change a definition (administrators only), checked as on creation; the row is locked. The
    certifications already earned keep their expiry: a new validity applies to those recorded next."""
    _require_admin(actor)
    unknown = set(changes) - set(DEFINITION_FIELDS)
    if unknown:
        raise ValueError(f"not definition fields: {sorted(unknown)}")
    definition = CertificationDefinition.objects.select_for_update().get(pk=definition_id)
    errors = _definition_errors(changes, definition_id=definition_id)
    if errors:
        raise FieldErrors(errors)
    for field, value in changes.items():
        setattr(definition, field, bool(value) if field == "is_active" else value)
    definition.save()
    return definition
