"""Reads of certifications; every one starts from what the caller may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from partners.models import Contact, Partner
from programs.certifications.models import EXPIRY_NOTICE_DAYS, Certification, CertificationDefinition


def certification_list(*, user) -> QuerySet[Certification]:
    """Staff read every certification; a partner's login its own organisation's; anyone else none.
    Newest first, with the contact, the definition and the partner joined."""
    rows = Certification.objects.select_related("partner", "contact", "definition").order_by("-created_at", "-id")
    if not (user.is_authenticated and user.is_active):
        return rows.none()
    if user.is_staff:
        return rows
    return rows.filter(partner__in=Partner.objects.visible_to(user))


def certification_get(*, user, certification_id: int) -> Certification:
    """One certification the user may see (Certification.DoesNotExist otherwise: another
    organisation's is a 404), with who recorded and who decided it."""
    return certification_list(user=user).select_related("recorded_by", "verified_by").get(pk=certification_id)


def verification_queue(*, user) -> QuerySet[Certification]:
    """Certifications waiting for verification, oldest first (``cert_state_time``); staff only."""
    if not (user.is_authenticated and user.is_staff):
        return Certification.objects.none()
    return certification_list(user=user).filter(state=Certification.State.PENDING).order_by("created_at", "id")


def definition_list(*, user, active_only: bool = False) -> QuerySet[CertificationDefinition]:
    """The catalogue every login may read (the record form offers it), by name, with its vertical."""
    if not user.is_authenticated:
        return CertificationDefinition.objects.none()
    rows = CertificationDefinition.objects.select_related("vertical").order_by("name", "id")
    return rows.filter(is_active=True) if active_only else rows


def contacts_of(*, user, partner_id: int) -> QuerySet[Contact]:
    """The contacts of a partner the user may see, by name (what a record form offers)."""
    return Contact.objects.filter(partner__in=Partner.objects.visible_to(user), partner_id=partner_id).order_by(
        "name", "id"
    )


@dataclass(frozen=True)
class VerticalCoverage:
    """Certified contacts (verified, not expired) of a partner in one vertical, and what waits."""

    vertical: str
    name: str
    certified: int
    pending: int
    expiring: int  # verified ones expiring within EXPIRY_NOTICE_DAYS


def partner_coverage(*, user, partner_id: int, today: date | None = None) -> list[VerticalCoverage]:
    """A partner's certified contacts per vertical, for its page: one grouped query. Verticals the
    partner has no certification in are left out."""
    today = today or timezone.localdate()
    soon = today + timedelta(days=EXPIRY_NOTICE_DAYS)
    current = Q(state=Certification.State.VERIFIED, expires_on__gte=today)
    rows = (
        certification_list(user=user)
        .filter(partner_id=partner_id)
        .exclude(state=Certification.State.REJECTED)
        .order_by()
        .values("definition__vertical_id", "definition__vertical__name")
        .annotate(
            certified=Count("contact_id", filter=current, distinct=True),
            pending=Count("pk", filter=Q(state=Certification.State.PENDING)),
            expiring=Count("pk", filter=current & Q(expires_on__lte=soon)),
        )
    )
    found: dict[str, VerticalCoverage] = {}
    for row in rows:
        slug = row["definition__vertical_id"]
        found[slug] = VerticalCoverage(
            slug, row["definition__vertical__name"], row["certified"], row["pending"], row["expiring"]
        )
    return sorted(found.values(), key=lambda entry: (-entry.certified, entry.name))
