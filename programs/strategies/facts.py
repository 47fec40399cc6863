"""The metrics layer: what the rules need to know about a batch of partners.

Everything is read set-based for the whole batch in a fixed number of queries (one per
kind of record), whatever the batch size, then handed to the rules as plain data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from django.db.models import Max, Q
from django.utils import timezone

from partners.models import Activity, Partner
from partners.records.models import Agreement, BusinessReview, PartnerDocument, ReportedMetric
from partners.reference import reference
from programs.certifications.models import Certification
from programs.deals.models import Deal
from programs.leads.models import LeadOffer
from programs.strategies.rules.base import (
    AgreementFact,
    CertificationFact,
    DealFact,
    DocumentFact,
    LeadOfferFact,
    MembershipFact,
    MetricFact,
    PartnerFacts,
    TierFact,
)
from programs.tiers.models import Membership, Tier

METRIC_HISTORY_DAYS = 730  # the longest window a metric_threshold rule may look back
CERTIFICATION_HISTORY_DAYS = 365  # certifications expired longer ago than this are no rule's concern


def _ancestors(codes: Sequence[str], parents: dict[str, str | None]) -> tuple[str, ...]:
    found: list[str] = []
    for code in codes:
        while code is not None and code not in found:
            found.append(code)
            code = parents.get(code)
    return tuple(found)


def _deal_facts(ids: list[int], today: date) -> tuple[dict[int, list[DealFact]], dict[int, date]]:
    """Each partner's deals registered or closed within the metric history, and the day of its
    newest registration whenever it was (days since the last deal): two queries."""
    since = today - timedelta(days=METRIC_HISTORY_DAYS)
    start = timezone.make_aware(datetime.combine(since, time.min))
    deals: dict[int, list[DealFact]] = defaultdict(list)
    for pk, partner_id, state, created_at, closed_on, closed_amount, currency in (
        Deal.objects.filter(partner_id__in=ids)
        .filter(Q(created_at__gte=start) | Q(closed_on__gte=since))
        .values_list("pk", "partner_id", "state", "created_at", "closed_on", "closed_amount", "currency")
    ):
        amount = float(closed_amount) if closed_amount is not None else None
        deals[partner_id].append(DealFact(pk, state, timezone.localdate(created_at), closed_on, amount, currency))
    last = dict(
        Deal.objects.filter(partner_id__in=ids)
        .values("partner_id")
        .annotate(last=Max("created_at"))
        .values_list("partner_id", "last")
    )
    return deals, {partner_id: timezone.localdate(moment) for partner_id, moment in last.items()}


def _lead_offer_facts(ids: list[int], today: date) -> dict[int, list[LeadOfferFact]]:
    """The leads offered to each partner within the metric history, with how each offer ended."""
    start = timezone.make_aware(datetime.combine(today - timedelta(days=METRIC_HISTORY_DAYS), time.min))
    offers: dict[int, list[LeadOfferFact]] = defaultdict(list)
    for lead_id, partner_id, offered_at, outcome in LeadOffer.objects.filter(
        partner_id__in=ids, offered_at__gte=start
    ).values_list("lead_id", "partner_id", "offered_at", "outcome"):
        offers[partner_id].append(LeadOfferFact(lead_id, timezone.localdate(offered_at), outcome))
    return offers


def _membership_facts(ids: list[int]) -> dict[int, list[MembershipFact]]:
    """Each partner's program memberships, each with its program's tiers (lowest rank first): two queries."""
    rows = list(
        Membership.objects.filter(partner_id__in=ids).values_list(
            "id", "partner_id", "program_id", "program__slug", "program__name", "program__currency",
            "program__auto_upgrade", "program__grace_days", "tier_id", "state", "since", "grace_started_on",
            "grace_until", "evaluated_on", "recommended_tier_id",
        )
    )  # fmt: skip
    if not rows:
        return {}
    tiers: dict[int, list[TierFact]] = defaultdict(list)
    for tier in Tier.objects.filter(program_id__in={row[2] for row in rows}).order_by("program_id", "rank"):
        tiers[tier.program_id].append(
            TierFact(
                id=tier.pk,
                name=tier.name,
                rank=tier.rank,
                min_revenue=float(tier.min_revenue) if tier.min_revenue is not None else None,
                min_won_deals=tier.min_won_deals,
                min_certified=dict(tier.min_certified),
                requires_agreement=tier.requires_agreement,
                min_health_score=tier.min_health_score,
            )
        )
    memberships: dict[int, list[MembershipFact]] = defaultdict(list)
    for (pk, partner_id, program_id, slug, name, currency, auto, grace_days, tier_id, state, since, grace_started_on,
         grace_until, evaluated_on, recommended_tier_id) in rows:  # fmt: skip
        memberships[partner_id].append(
            MembershipFact(
                id=pk,
                program_id=program_id,
                program_slug=slug,
                program_name=name,
                currency=currency,
                auto_upgrade=auto,
                grace_days=grace_days,
                tiers=tuple(tiers[program_id]),
                tier_id=tier_id,
                state=state,
                since=since,
                grace_started_on=grace_started_on,
                grace_until=grace_until,
                evaluated_on=evaluated_on,
                recommended_tier_id=recommended_tier_id,
            )
        )
    return memberships


def _certification_facts(ids: list[int], today: date) -> dict[int, list[CertificationFact]]:
    """Each partner's certifications, verified and pending alike (the rules tell them apart),
    except rejected ones and those expired more than a year ago: one query, the definition joined
    for its vertical (``cert_partner_expiry``)."""
    since = today - timedelta(days=CERTIFICATION_HISTORY_DAYS)
    certifications: dict[int, list[CertificationFact]] = defaultdict(list)
    for pk, partner_id, contact_id, definition_id, vertical, earned_on, expires_on, state in (
        Certification.objects.filter(partner_id__in=ids, expires_on__gte=since)
        .exclude(state=Certification.State.REJECTED)
        .order_by("pk")
        .values_list(
            "pk", "partner_id", "contact_id", "definition_id", "definition__vertical_id", "earned_on", "expires_on",
            "state",
        )
    ):  # fmt: skip
        verified = state == Certification.State.VERIFIED
        certifications[partner_id].append(
            CertificationFact(pk, contact_id, definition_id, vertical, earned_on, expires_on, verified)
        )
    return certifications


def partner_facts(*, partner_ids: Sequence[int], today: date) -> dict[int, PartnerFacts]:
    """Facts for each partner id; twelve queries for any number of partners (eleven without memberships)."""
    ids = list(partner_ids)
    parents = reference().parents
    reviews: dict[int, dict[str, date]] = defaultdict(dict)
    for partner_id, kind, held_on in (
        BusinessReview.objects.filter(partner_id__in=ids)
        .values("partner_id", "kind")
        .annotate(last=Max("held_on"))
        .values_list("partner_id", "kind", "last")
    ):
        reviews[partner_id][kind] = held_on
    agreements: dict[int, list[AgreementFact]] = defaultdict(list)
    for row in Agreement.objects.filter(partner_id__in=ids).values_list(
        "partner_id", "id", "kind", "status", "start_on", "end_on"
    ):
        agreements[row[0]].append(AgreementFact(*row[1:]))
    documents: dict[int, list[DocumentFact]] = defaultdict(list)
    # what the partner holds now: a replaced document no longer counts, however its dates compare
    for row in PartnerDocument.objects.filter(partner_id__in=ids, replaced_by__isnull=True).values_list(
        "partner_id", "id", "kind", "issued_on", "expires_on"
    ):
        documents[row[0]].append(DocumentFact(*row[1:]))
    metrics: dict[int, list[MetricFact]] = defaultdict(list)
    since = today - timedelta(days=METRIC_HISTORY_DAYS)
    for partner_id, key, start, end, value in ReportedMetric.objects.filter(
        partner_id__in=ids, period_end__gte=since
    ).values_list("partner_id", "key", "period_start", "period_end", "value"):
        metrics[partner_id].append(MetricFact(key, start, end, float(value)))
    onboarding_started = dict(
        Activity.objects.filter(partner_id__in=ids)
        .filter(
            Q(kind=Activity.Kind.STATUS_CHANGED, data__to="onboarding")
            | Q(kind=Activity.Kind.CREATED, data__status="onboarding")
        )
        .values("partner_id")
        .annotate(started=Max("created_at"))
        .values_list("partner_id", "started")
    )
    deals, last_deal_on = _deal_facts(ids, today)
    lead_offers = _lead_offer_facts(ids, today)
    memberships = _membership_facts(ids)
    certifications = _certification_facts(ids, today)
    facts = {}
    for row in Partner.objects.filter(pk__in=ids).values(
        "id", "name", "type", "status", "engagement", "country", "regions", "verticals", "owner_id",
        "created_at", "last_activity_at", "health_score",
    ):  # fmt: skip
        pid = row["id"]
        started = onboarding_started.get(pid)
        facts[pid] = PartnerFacts(
            id=pid,
            name=row["name"],
            type=row["type"],
            status=row["status"],
            engagement=row["engagement"],
            country=str(row["country"]),
            regions=_ancestors(row["regions"], parents),
            verticals=tuple(row["verticals"]),
            owner_id=row["owner_id"],
            created_on=row["created_at"].date(),
            onboarding_started_on=started.date() if started else None,
            last_activity_on=row["last_activity_at"].date() if row["last_activity_at"] else None,
            last_review_on=dict(reviews.get(pid, {})),
            agreements=tuple(agreements.get(pid, ())),
            documents=tuple(documents.get(pid, ())),
            metrics=tuple(metrics.get(pid, ())),
            today=today,
            deals=tuple(deals.get(pid, ())),
            last_deal_on=last_deal_on.get(pid),
            lead_offers=tuple(lead_offers.get(pid, ())),
            health_score=row["health_score"],
            memberships=tuple(memberships.get(pid, ())),
            certifications=tuple(certifications.get(pid, ())),
        )
    return facts
