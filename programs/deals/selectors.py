"""Reads of deal registrations; every one starts from what the caller may see."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from partners.models import Partner
from programs.deals.matching import InvalidDomain, company_key, customer_domain, evidence, product_keys
from programs.deals.models import Deal, DealConflict, DealHistory


def deal_list(*, user) -> QuerySet[Deal]:
    """Staff read every deal (with its conflicts); a partner's login its own organisation's; anyone
    else none. Newest first."""
    deals = Deal.objects.order_by("-created_at", "-id")
    if not (user.is_authenticated and user.is_active):
        return deals.none()
    if user.is_staff:
        return deals.select_related("partner").prefetch_related("conflicts")
    return deals.filter(partner__in=Partner.objects.visible_to(user)).select_related("partner")


def deal_get(*, user, deal_id: int) -> Deal:
    """One deal the user may see (Deal.DoesNotExist otherwise: another organisation's deal is a 404),
    its partner joined and who decided it."""
    return deal_list(user=user).select_related("decided_by").get(pk=deal_id)


def deal_history(*, user, deal_id: int) -> list[DealHistory]:
    """A visible deal's changes, oldest first, with each actor: one query."""
    return list(
        DealHistory.objects.filter(deal__in=deal_list(user=user).filter(pk=deal_id).values("pk"))
        .select_related("actor")
        .order_by("created_at", "id")
    )


def approval_queue(*, user) -> QuerySet[Deal]:
    """Submitted registrations waiting for a decision, oldest first (first registered is decided
    first); staff only, answered backwards from the ``deal_state_recent`` index."""
    if not user.is_staff:
        return Deal.objects.none()
    return deal_list(user=user).filter(state=Deal.State.SUBMITTED).order_by("created_at", "id")


@dataclass(frozen=True)
class Candidate:
    """A registration of the same customer beside the one being decided, with the evidence."""

    deal: Deal
    matched: tuple[str, ...]
    products: tuple[str, ...]
    first: bool  # registered before the deal being decided
    protected: bool


def deal_conflict_candidates(*, user, deal: Deal, now=None) -> list[Candidate]:
    """Staff only: the other partners' registrations overlapping ``deal`` — those it was flagged
    against when it was registered and those registered later against it — oldest first, each with
    the fields that matched and the products in common. Two queries."""
    if not user.is_staff:
        return []
    now = now or timezone.now()
    rows = DealConflict.objects.filter(Q(deal_id=deal.pk) | Q(other_id=deal.pk)).select_related(
        "deal__partner", "other__partner"
    )
    found: dict[int, Candidate] = {}
    for row in rows:
        other = row.other if row.deal_id == deal.pk else row.deal
        if other.pk in found:
            continue
        found[other.pk] = Candidate(
            deal=other,
            matched=tuple(row.matched),
            products=tuple(row.products),
            first=(other.created_at, other.pk) < (deal.created_at, deal.pk),
            protected=other.is_protected(now),
        )
    return sorted(found.values(), key=lambda candidate: (candidate.deal.created_at, candidate.deal.pk))


@dataclass(frozen=True)
class CustomerCheck:
    """What a partner registering a customer may be told before it submits: ``protected`` (until
    ``protected_until``), ``pending`` (another registration waits for a decision) or ``clear``; and
    its own earlier open registration of the customer. Never another partner's name or data."""

    state: str
    protected_until: datetime | None = None
    own: Deal | None = None


def customer_check(*, user, company: str, domain: str, products: Iterable[str] = ()) -> CustomerCheck:
    """The duplicate feedback shown while a partner types a customer: the registration's own
    check (programs.deals.services.deal_register) run read-only over the customer's open
    registrations, through the two partial indexes. A domain still being typed is left out."""
    partner = Partner.objects.visible_to(user).only("pk").first()
    key = company_key(company or "")
    try:
        normal_domain = customer_domain(domain) if (domain or "").strip() else ""
    except InvalidDomain:
        normal_domain = ""
    if partner is None or not (key or normal_domain):
        return CustomerCheck("clear")
    condition = Q()
    if normal_domain:
        condition |= Q(customer_domain=normal_domain)
    if key:
        condition |= Q(company_key=key)
    now = timezone.now()
    mine = product_keys(products)
    own, state, until = None, "clear", None
    rows = Deal.objects.filter(condition, state__in=Deal.OPEN_STATES).order_by("created_at", "id")
    for row in rows.only("pk", "partner_id", "customer_domain", "company_key", "products", "state", "protected_until"):
        shared = evidence(
            domain=normal_domain,
            company=key,
            products=mine,
            other_domain=row.customer_domain,
            other_company=row.company_key,
            other_products=product_keys(row.products),
        )
        if shared is None:
            continue
        if row.partner_id == partner.pk:
            own = own or row
        elif row.is_protected(now):
            state, until = "protected", row.protected_until
            break
        else:
            state = "pending"
    return CustomerCheck(state, until, own)


@dataclass(frozen=True)
class Pipeline:
    """The deal figures of the manager dashboard."""

    open_by_currency: list[tuple[str, Decimal, int]]  # (currency, amount, deals) of submitted and approved
    by_status: dict[str, int]
    waiting: int
    won_by_currency: list[tuple[str, Decimal, int]]  # won this quarter
    quarter_start: date
    total: int


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def pipeline_summary(*, user, partner_id: int | None = None, today: date | None = None) -> Pipeline:
    """Open pipeline amount by currency, counts by status, approvals waiting and won this quarter,
    for staff, of every partner or of one: one query grouped by state and currency, whatever the
    number of deals."""
    # deal_list's rule for staff (every deal), without the joins a grouped read does not need
    staff = user.is_authenticated and user.is_active and user.is_staff
    deals = Deal.objects.order_by() if staff else Deal.objects.none()
    if partner_id is not None:
        deals = deals.filter(partner_id=partner_id)
    today = today or timezone.localdate()
    start = quarter_start(today)
    won_now = Q(state=Deal.State.WON, closed_on__gte=start, closed_on__lte=today)
    groups = deals.values("state", "currency").annotate(
        count=Count("pk"),
        total=Sum("amount"),
        won_count=Count("pk", filter=won_now),
        won_total=Sum(Coalesce("closed_amount", "amount"), filter=won_now),
    )
    by_status: dict[str, int] = {}
    open_totals: dict[str, list] = {}
    won_totals: dict[str, list] = {}
    for row in groups:
        by_status[row["state"]] = by_status.get(row["state"], 0) + row["count"]
        if row["state"] in Deal.OPEN_STATES:
            entry = open_totals.setdefault(row["currency"], [Decimal(0), 0])
            entry[0] += row["total"] or 0
            entry[1] += row["count"]
        if row["won_count"]:
            entry = won_totals.setdefault(row["currency"], [Decimal(0), 0])
            entry[0] += row["won_total"] or 0
            entry[1] += row["won_count"]

    def ranked(totals: dict[str, list]) -> list[tuple[str, Decimal, int]]:
        return sorted(((code, total, count) for code, (total, count) in totals.items()), key=lambda r: (-r[1], r[0]))

    return Pipeline(
        open_by_currency=ranked(open_totals),
        by_status=by_status,
        waiting=by_status.get(Deal.State.SUBMITTED, 0),
        won_by_currency=ranked(won_totals),
        quarter_start=start,
        total=sum(by_status.values()),
    )
