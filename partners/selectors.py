"""Reads shaped for pages and endpoints; every partner read starts from visible_to(user)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.postgres.search import SearchQuery
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from partners.invitations.models import Invitation
from partners.invitations.selectors import ACCESS_INVITATIONS_SHOWN, invitation_list
from partners.models import Activity, ApiToken, Contact, Partner, Region, Vertical
from partners.reference import reference

ORDERINGS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "created_at": ("created_at", "id"),
    "-created_at": ("-created_at", "-id"),
    # partners without a score yet come last either way
    "health_score": (F("health_score").asc(nulls_last=True), "name", "id"),
    "-health_score": (F("health_score").desc(nulls_last=True), "name", "id"),
}


# what a list row shows: the partner without its search document, the owner's name
LIST_FIELDS = (
    *(f.attname for f in Partner._meta.concrete_fields if f.name not in ("search_document", "facets")),
    "owner__id",
    "owner__first_name",
    "owner__last_name",
    "owner__email",
)


@dataclass(frozen=True)
class PartnerFilters:
    """Validated partner filters (see partners.forms.PartnerFilterForm); empty means "any"."""

    type: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    vertical: tuple[str, ...] = ()
    engagement: tuple[str, ...] = ()
    owner: tuple[int, ...] = ()
    program: tuple[int, ...] = ()  # program ids
    tier: tuple[int, ...] = ()  # tier ids
    created_after: datetime | None = None
    updated_after: datetime | None = None
    search: str = ""
    external_id: str = ""
    ordering: str = "name"


def region_list() -> QuerySet[Region]:
    """Every region with its parent, by code: reference data every logged-in caller may read."""
    return Region.objects.select_related("parent").order_by("code")


def vertical_list() -> QuerySet[Vertical]:
    """Every vertical by name: reference data every logged-in caller may read."""
    return Vertical.objects.order_by("name")


def region_tree() -> dict[str | None, list[tuple[str, str]]]:
    """Parent code → [(code, name)] of its children; for pages that draw the tree."""
    ref = reference()
    return {parent: [(code, ref.regions[code]) for code in codes] for parent, codes in ref.children().items()}


def reference_names(*, regions=(), verticals=()) -> tuple[dict[str, str], dict[str, str]]:
    """Names of the given region codes and vertical slugs (code → name), for display."""
    ref = reference()
    return (
        {code: ref.regions[code] for code in regions if code in ref.regions},
        {slug: ref.verticals[slug] for slug in verticals if slug in ref.verticals},
    )


def region_descendants(codes: Iterable[str]) -> list[str]:
    """The given region codes and every region below them (EMEA → EMEA, WE, DACH, …)."""
    return reference().descendants(codes)


# a domain or a URL typed into the search: scheme, "www." and path are left out
DOMAIN = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?(?:www\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)+)(?:[/:?#]\S*)?$")


def search_words(text: str) -> list[str]:
    """Letters and digits only, so user input never reaches the tsquery syntax; eight words at most."""
    return [word.lower() for word in re.findall(r"\w+", text or "")][:8]


def search_domain(text: str) -> str | None:
    """The host that a search for a domain or URL means (``https://www.acme.com/about`` → ``acme.com``)."""
    match = DOMAIN.match((text or "").strip().lower())
    return match.group(1) if match else None


def prefix_query(word: str) -> SearchQuery:
    return SearchQuery(f"{word}:*", search_type="raw", config="simple")


def partner_list(*, user, filters: PartnerFilters | None = None) -> QuerySet[Partner]:
    """Partners the user may see, filtered and ordered; the API, pages and CSV all use it.

    Region filters include sub-regions. Type, status, engagement, region and vertical are
    answered by one GIN index on Partner.facets, the search by GIN indexes on the search
    documents; the owner comes in the same query.
    """
    filters = filters or PartnerFilters()
    # values of one filter are alternatives (overlap), filters combine (contains): all of
    # it one scan of the facets index
    required, conditions = [], []
    groups = [
        [f"type:{value}" for value in filters.type],
        [f"status:{value}" for value in filters.status],
        [f"engagement:{value}" for value in filters.engagement],
        region_descendants(filters.region) if filters.region else [],
        list(filters.vertical),
    ]
    for group in groups:
        if len(group) == 1:
            required.extend(group)
        elif group:
            conditions.append(Q(facets__overlap=group))
    if required:
        conditions.append(Q(facets__contains=required))
    for lookup, value in (
        ("owner_id__in", filters.owner),
        ("created_at__gte", filters.created_after),
        ("updated_at__gte", filters.updated_after),
        ("external_id", filters.external_id),
    ):
        if value:
            conditions.append(Q(**{lookup: value}))
    # every word, as a prefix, must be in the partner's name, legal name or website or in
    # one of its contacts' names or e-mails ("helix ingrid" finds Helix with contact Ingrid)
    # (each word's partners as one UNION of two GIN index scans: an OR of the two conditions
    # made PostgreSQL scan every partner)
    matches = Q()
    for word in search_words(filters.search):
        query = prefix_query(word)
        found = Partner.objects.filter(search_document=query).values("pk")
        matches &= Q(pk__in=found.union(Contact.objects.filter(search_document=query).values("partner_id")))
    domain = search_domain(filters.search)
    if domain:  # a domain or URL also finds the partner whose website's host it is (or begins)
        host = SearchQuery(f"'{domain}':*", search_type="raw", config="simple")
        matches |= Q(pk__in=Partner.objects.filter(search_document=host).values("pk"))
    if matches:
        conditions.append(matches)
    if filters.program or filters.tier:
        conditions.append(Exists(_memberships(filters)))
    # one filter() call: each call clones the whole query
    partners = Partner.objects.visible_to(user).filter(*conditions).select_related("owner").only(*LIST_FIELDS)
    return partners.order_by(*ORDERINGS.get(filters.ordering, ORDERINGS["name"]))


def _memberships(filters: PartnerFilters) -> QuerySet:
    """The partner's memberships in the filtered programs at the filtered tiers (one semi-join,
    answered by the membership indexes (partner, program) and (tier, partner)); the model is
    reached through the reverse relation because partners never imports programs."""
    membership = Partner._meta.get_field("memberships").related_model
    rows = membership.objects.filter(partner_id=OuterRef("pk"))
    if filters.program:
        rows = rows.filter(program_id__in=filters.program)
    if filters.tier:
        rows = rows.filter(tier_id__in=filters.tier)
    return rows


def partner_get(*, user, partner_id: int) -> Partner:
    """One partner the user may see, or Partner.DoesNotExist (a 404, whoever owns it)."""
    return Partner.objects.visible_to(user).select_related("owner").only(*LIST_FIELDS).get(pk=partner_id)


def partner_timeline(*, user, partner_id: int) -> QuerySet[Activity]:
    """The partner's timeline, newest first; empty for a partner the user may not see."""
    visible = Partner.objects.visible_to(user).filter(pk=partner_id)
    return Activity.objects.filter(partner__in=visible).select_related("actor").order_by("-created_at", "-id")


def contact_list(*, user, partner_ids: Iterable[int] | None = None) -> QuerySet[Contact]:
    """Contacts of partners the user may see."""
    contacts = Contact.objects.filter(partner__in=Partner.objects.visible_to(user))
    if partner_ids is not None:
        contacts = contacts.filter(partner_id__in=list(partner_ids))
    return contacts.order_by("partner_id", "name", "id")


@dataclass(frozen=True)
class PartnerSummary:
    total: int
    by_type: dict[str, int]
    by_status: dict[str, int]
    by_region: dict[str, int]  # every region code, counting partners in it or below it


def partner_summary(*, user) -> PartnerSummary:
    """Counts for the dashboard from one grouped query, exact, whatever the number of partners.

    The partners the user sees are grouped by (type, status, regions), a few thousand groups at most
    however many partners there are, read from the covering index ``partner_summary`` (an
    index-only scan); the figures are added up here. A partner counts once in a region when it
    operates there or in any sub-region: each distinct list of regions is widened to those regions
    and their ancestors before it is counted, so a partner in DACH and WE counts once in EMEA.
    """
    ref = reference()
    by_type = dict.fromkeys(Partner.Type.values, 0)
    by_status = dict.fromkeys(Partner.Status.values, 0)
    by_regions: dict[tuple[str, ...], int] = {}
    groups = (
        Partner.objects.visible_to(user)
        .order_by()
        .values_list("type", "status", "regions")
        .annotate(partners=Count("*"))
    )
    for type_, status, regions, partners in groups:
        if type_ in by_type:
            by_type[type_] += partners
        if status in by_status:
            by_status[status] += partners
        key = tuple(regions)
        by_regions[key] = by_regions.get(key, 0) + partners
    by_region = dict.fromkeys(ref.regions, 0)
    for regions, partners in by_regions.items():
        for code in _with_ancestors(regions, ref.parents):
            by_region[code] += partners
    return PartnerSummary(total=sum(by_regions.values()), by_type=by_type, by_status=by_status, by_region=by_region)


def _with_ancestors(codes: Iterable[str], parents: dict[str, str | None]) -> set[str]:
    """The known region codes among ``codes`` and every region above them (DACH → DACH, EMEA, GLOBAL)."""
    found: set[str] = set()
    for code in codes:
        while code in parents and code not in found:
            found.add(code)
            code = parents[code]
    return found


def api_token_list(*, user) -> QuerySet[ApiToken]:
    """The tokens ``user`` manages (partners.services.may_manage_tokens_of), newest first, owner
    joined: an administrator's own and every staff login's (service accounts included), anyone
    else's own only; nothing for an anonymous or deactivated caller."""
    rows = ApiToken.objects.select_related("user").order_by("-created", "-pk")
    if not (user.is_authenticated and user.is_active):
        return rows.none()
    if user.is_superuser:  # the admin role (partners.roles.role_of), known without a query
        return rows.filter(Q(user__is_staff=True) | Q(user=user))
    return rows.filter(user=user)


def token_owners(*, user) -> QuerySet:
    """The logins ``user`` may issue API tokens for: itself, and for an administrator every staff
    login (deactivated ones too, which the service then refuses with a reason), by name."""
    rows = get_user_model().objects.order_by("first_name", "last_name", "email", "id")
    if not (user.is_authenticated and user.is_active):
        return rows.none()
    if user.is_superuser:  # the admin role
        return rows.filter(Q(is_staff=True) | Q(pk=user.pk))
    return rows.filter(pk=user.pk)


# --- logins and invitations ------------------------------------------------------------


@dataclass(frozen=True)
class PartnerAccess:
    """Who from a partner can log in to its portal, and who was invited to."""

    logins: list  # users with ``partner_user`` joined
    invitations: list[Invitation]  # pending ones, newest first, at most ACCESS_INVITATIONS_SHOWN


def partner_access(*, user, partner_id: int) -> PartnerAccess:
    """A partner's logins (active and deactivated, with their role) and pending invitations, for the
    manager's partner page: two queries whatever their number; empty for a partner the user may
    not see."""
    visible = Partner.objects.visible_to(user).filter(pk=partner_id)
    logins = (
        get_user_model()
        .objects.filter(is_staff=False, partner_user__partner__in=visible)
        .select_related("partner_user")
        .order_by("-is_active", "email", "id")
    )
    invitations = invitation_list(user=user, partner_id=partner_id, state="pending")[:ACCESS_INVITATIONS_SHOWN]
    return PartnerAccess(logins=list(logins), invitations=list(invitations))
