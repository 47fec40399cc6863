"""The metrics layer: what the rules need to know about a batch of partners.

Everything is read set-based for the whole batch in a fixed number of queries (one per
kind of record), whatever the batch size, then handed to the rules as plain data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta

from django.db.models import Max, Q

from partners.models import Activity, Partner
from partners.records.models import Agreement, BusinessReview, PartnerDocument, ReportedMetric
from partners.reference import reference
from programs.strategies.rules.base import AgreementFact, DocumentFact, MetricFact, PartnerFacts

METRIC_HISTORY_DAYS = 730  # the longest window a metric_threshold rule may look back


def _ancestors(codes: Sequence[str], parents: dict[str, str | None]) -> tuple[str, ...]:
    found: list[str] = []
    for code in codes:
        while code is not None and code not in found:
            found.append(code)
            code = parents.get(code)
    return tuple(found)


def partner_facts(*, partner_ids: Sequence[int], today: date) -> dict[int, PartnerFacts]:
    """Facts for each partner id; six queries for any number of partners."""
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
    facts = {}
    for row in Partner.objects.filter(pk__in=ids).values(
        "id", "name", "type", "status", "engagement", "country", "regions", "verticals", "owner_id",
        "created_at", "last_activity_at",
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
        )
    return facts
