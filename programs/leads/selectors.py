"""Reads of leads; every one starts from what the caller may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from partners.models import Partner
from partners.querysets import partner_id_of
from partners.reference import reference
from programs.leads.models import Lead, LeadOffer, LeadPolicy, LeadRouting, LeadRoutingRule, LeadWeight


def lead_list(*, user) -> QuerySet[Lead]:
    """Staff read every lead with its routing decisions; a partner's login only the leads offered
    to its organisation now or accepted by it (a lead re-routed away or declined is gone for
    it); anyone else none. Newest first."""
    leads = Lead.objects.order_by("-created_at", "-id")
    if not (user.is_authenticated and user.is_active):
        return leads.none()
    if user.is_staff:
        return leads.prefetch_related(Prefetch("routings", queryset=LeadRouting.objects.order_by("created_at", "id")))
    partner_id = partner_id_of(user)
    if partner_id is None:
        return leads.none()
    return leads.filter(partner_id=partner_id, status__in=Lead.PARTNER_STATUSES).exclude(partner__status="terminated")


def lead_get(*, user, lead_id: int) -> Lead:
    """One lead the user may see (Lead.DoesNotExist otherwise: another organisation's lead, or one
    re-routed away from it, is a 404), its partner, region, vertical and creator joined."""
    return (
        lead_list(user=user)
        .prefetch_related(None)
        .select_related("partner", "region", "vertical", "created_by")
        .get(pk=lead_id)
    )


def lead_page(*, user) -> QuerySet[Lead]:
    """lead_list shaped for a list page: partner, region and vertical joined in the page's own
    query, no routing decisions."""
    return lead_list(user=user).prefetch_related(None).select_related("partner", "region", "vertical")


def lead_offers(*, user, lead: Lead) -> list[LeadOffer]:
    """Staff only: every offer of a lead, oldest first, with the partner and who answered (one
    query)."""
    if not user.is_staff:
        return []
    return list(
        LeadOffer.objects.filter(lead_id=lead.pk).select_related("partner", "responded_by").order_by("offered_at", "id")
    )


@dataclass(frozen=True)
class RoutingHistory:
    """A lead's routing decisions, oldest first (each with ``chosen`` and ``actor`` joined), and the
    names of every partner their candidate pools name."""

    routings: list[LeadRouting]
    partner_names: dict[int, str]


def lead_routing_history(*, user, lead: Lead) -> RoutingHistory:
    """Staff only: the lead's routing decisions with the names of the partners in their pools (two
    queries, however many decisions)."""
    if not user.is_staff:
        return RoutingHistory([], {})
    routings = list(
        LeadRouting.objects.filter(lead_id=lead.pk).select_related("chosen", "actor").order_by("created_at", "id")
    )
    ids = {entry["partner"] for routing in routings for entry in pool_candidates(routing.pool) if "partner" in entry}
    names = dict(Partner.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}
    return RoutingHistory(routings, names)


def pool_candidates(pool) -> list[dict]:
    """The candidates a decision's ``pool`` records: the next in line (``candidates`` of the
    summary), or every member of a pool recorded as a list before passes replaced credits."""
    if isinstance(pool, dict):
        return pool.get("candidates") or []
    return pool or []


def manual_queue(*, user) -> QuerySet[Lead]:
    """Staff only: leads no rule could place, oldest first, each with why (its last routing
    decision's reason) in the same query; answered by the ``lead_status_recent`` index."""
    if not user.is_staff:
        return Lead.objects.none()
    last_reason = LeadRouting.objects.filter(lead_id=OuterRef("pk")).order_by("-created_at", "-id").values("reason")
    return (
        lead_page(user=user)
        .filter(status=Lead.Status.MANUAL)
        .annotate(queue_reason=Subquery(last_reason[:1]))
        .order_by("created_at", "id")
    )


def lead_assign_candidates(*, user, lead: Lead, search: str = "", limit: int = 30) -> list[Partner]:
    """Staff only: active partners a manager may offer ``lead`` to by hand (never one it was
    offered to before), each with ``open_leads``; by name, those whose name begins with
    ``search``, else those covering the lead's region (or every active partner when the lead has
    none). One query."""
    if not user.is_staff:
        return []
    open_leads = (
        Lead.objects.filter(partner_id=OuterRef("pk"), status__in=Lead.OPEN_STATUSES)
        .order_by()
        .values("partner_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    partners = (
        Partner.objects.visible_to(user)
        .filter(status=Partner.Status.ACTIVE)
        .exclude(pk__in=LeadOffer.objects.filter(lead_id=lead.pk).values("partner_id"))
        .annotate(open_leads=Coalesce(Subquery(open_leads), 0))
        .only("id", "name", "type", "regions")
        .order_by("name", "id")
    )
    search = search.strip()[:200]
    if search:
        partners = partners.filter(name__istartswith=search)
    elif lead.region_id:
        path, parents, code = [], reference().parents, lead.region_id
        while code and code not in path:
            path.append(code)
            code = parents.get(code)
        partners = partners.filter(regions__overlap=path)
    return list(partners[:limit])


def partner_lead_counts(*, user) -> dict[str, int]:
    """How many of the organisation's leads are offered, accepted and finished (converted or
    closed), and how many offers it declined or let lapse: two queries."""
    counts = (
        lead_list(user=user)
        .order_by()
        .aggregate(
            offered=Count("id", filter=Q(status=Lead.Status.OFFERED)),
            accepted=Count("id", filter=Q(status=Lead.Status.ACCEPTED)),
            finished=Count("id", filter=Q(status__in=(Lead.Status.CONVERTED, Lead.Status.CLOSED))),
        )
    )
    counts["passed"] = partner_passed_offers(user=user).order_by().count()
    return counts


PASSED_OUTCOMES = (LeadOffer.Outcome.DECLINED, LeadOffer.Outcome.BREACHED, LeadOffer.Outcome.WITHDRAWN)


def partner_passed_offers(*, user) -> QuerySet[LeadOffer]:
    """A partner's login: the offers its organisation declined, let lapse or saw withdrawn, newest
    first, each with the lead joined (what it was shown when offered; never where the lead went)."""
    partner_id = partner_id_of(user) if user.is_authenticated and user.is_active and not user.is_staff else None
    if partner_id is None:
        return LeadOffer.objects.none()
    return (
        LeadOffer.objects.filter(partner__in=Partner.objects.visible_to(user).filter(pk=partner_id))
        .filter(outcome__in=PASSED_OUTCOMES)
        .select_related("lead", "lead__region", "lead__vertical")
        .order_by("-offered_at", "-id")
    )


def partner_offer_get(*, user, lead_id: int) -> LeadOffer | None:
    """A partner's login: its organisation's latest offer of a lead, whatever became of it (None
    when the lead was never offered to it), so a page can say why a lead is no longer there."""
    partner_id = partner_id_of(user) if user.is_authenticated and user.is_active and not user.is_staff else None
    if partner_id is None:
        return None
    return (
        LeadOffer.objects.filter(lead_id=lead_id, partner__in=Partner.objects.visible_to(user).filter(pk=partner_id))
        .select_related("lead")
        .order_by("-offered_at", "-id")
        .first()
    )


def routing_settings() -> tuple[list[LeadRoutingRule], list[LeadWeight], list[LeadPolicy]]:
    """The routing rules in order (active or not), the weights per engagement level and the
    capacity and time to answer per partner type, as the editor shows them: three queries."""
    return (
        list(LeadRoutingRule.objects.order_by("position", "id")),
        list(LeadWeight.objects.order_by("engagement")),
        list(LeadPolicy.objects.order_by("partner_type")),
    )


@dataclass(frozen=True)
class PartnerLeadFigures:
    """How a partner answers the leads offered to it, over the last ``days``."""

    offered_now: int
    offered: int
    accepted: int
    declined: int
    breached: int
    days: int

    @property
    def acceptance_rate(self) -> int | None:
        """Accepted of the answered offers (a lapse counts as an answer), in whole per cent."""
        answered = self.accepted + self.declined + self.breached
        return round(100 * self.accepted / answered) if answered else None


def partner_lead_figures(*, user, partner_id: int, days: int = 90) -> PartnerLeadFigures | None:
    """Staff only (a partner never reads how it compares): one query over the partner's offers on
    their (partner, outcome, responded_at) index."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return None
    since = timezone.now() - timedelta(days=days)
    recent = Q(offered_at__gte=since)
    row = LeadOffer.objects.filter(partner_id=partner_id).aggregate(
        offered_now=Count("pk", filter=Q(outcome=LeadOffer.Outcome.PENDING)),
        offered=Count("pk", filter=recent),
        accepted=Count("pk", filter=recent & Q(outcome=LeadOffer.Outcome.ACCEPTED)),
        declined=Count("pk", filter=recent & Q(outcome=LeadOffer.Outcome.DECLINED)),
        breached=Count("pk", filter=recent & Q(outcome=LeadOffer.Outcome.BREACHED)),
    )
    return PartnerLeadFigures(days=days, **row)
