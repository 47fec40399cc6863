"""Reads of partner applications; every one starts from what the caller may see: staff read
every application, anyone else none (a partner's login gets a 404 for each of them)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from partners.models import Partner
from partners.roles import Role
from programs.applications.models import PartnerApplication
from programs.applications.services import partners_with_domain

User = get_user_model()


def application_list(*, user) -> QuerySet[PartnerApplication]:
    """Staff read every application, oldest first (the order they are vetted in), with the prospect
    partner and the vetter joined; anyone else none."""
    applications = PartnerApplication.objects.order_by("created_at", "id")
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return applications.none()
    return applications.select_related("partner", "vetter")


def application_get(*, user, application_id: int) -> PartnerApplication:
    """One application the user may see (PartnerApplication.DoesNotExist otherwise: a 404)."""
    return application_list(user=user).select_related("decided_by").get(pk=application_id)


def application_queue(*, user) -> QuerySet[PartnerApplication]:
    """Applications waiting for a decision (received or in review), oldest first."""
    return application_list(user=user).filter(state__in=PartnerApplication.OPEN_STATES)


def open_application_count(*, user) -> int:
    """How many applications wait for a decision, for the navigation badge: one count."""
    return application_queue(user=user).order_by().count()


@dataclass(frozen=True)
class Duplicates:
    """The other applications and the partners that share an application's registrable domain."""

    applications: list[PartnerApplication]
    partners: list[Partner]

    def __bool__(self) -> bool:
        return bool(self.applications or self.partners)


def application_duplicates(*, user, application: PartnerApplication) -> Duplicates:
    """Staff only: every other application of the same domain (before or after this one, oldest
    first) and every partner other than this application's own whose website has the domain. Two
    queries, each through an index on the domain."""
    if not user.is_staff:
        return Duplicates([], [])
    others = list(
        application_list(user=user).filter(domain=application.domain).exclude(pk=application.pk).select_related(None)
    )
    own_partners = {application.partner_id, *(other.partner_id for other in others)}
    return Duplicates(others, partners_with_domain(application.domain, exclude=own_partners))


def vetters() -> QuerySet:
    """Who may vet: active partner managers and administrators, by name."""
    return (
        User.objects.filter(is_active=True, is_staff=True)
        .filter(Q(is_superuser=True) | Q(groups__name=Role.GROUP_NAMES[Role.MANAGER]))
        .distinct()
        .order_by("first_name", "last_name", "email")
    )
