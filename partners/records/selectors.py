"""Reads of relationship records; every one starts from ``Partner.objects.visible_to(user)``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import QuerySet

from partners.models import Partner
from partners.records.models import Agreement, BusinessReview, PartnerDocument, ReportedMetric


def _of_visible(queryset: QuerySet, *, user, partner_ids: Iterable[int] | None) -> QuerySet:
    queryset = queryset.filter(partner__in=Partner.objects.visible_to(user))
    if partner_ids is not None:
        queryset = queryset.filter(partner_id__in=list(partner_ids))
    return queryset


def agreement_list(*, user, partner_ids: Iterable[int] | None = None) -> QuerySet[Agreement]:
    """Agreements of partners the user may see, by partner, newest start first."""
    return _of_visible(Agreement.objects.all(), user=user, partner_ids=partner_ids).order_by(
        "partner_id", "-start_on", "-id"
    )


def document_list(
    *, user, partner_ids: Iterable[int] | None = None, current_only: bool = False
) -> QuerySet[PartnerDocument]:
    """Documents of partners the user may see, by partner and kind, newest first.

    ``current_only`` leaves out the documents a newer upload replaced: what the partner holds now.
    Without it, replaced ones are included (their history, and their files stay downloadable).
    """
    documents = _of_visible(PartnerDocument.objects.all(), user=user, partner_ids=partner_ids)
    if current_only:
        documents = documents.filter(replaced_by__isnull=True)
    return documents.order_by("partner_id", "kind", "-created_at", "-id")


def document_earlier_versions(*, user, partner_ids: Iterable[int]) -> dict[int, list[PartnerDocument]]:
    """The replaced documents of the partners, keyed by the current document that superseded them
    (directly or through later replacements), newest first, with their uploaders; one query."""
    replaced = list(
        document_list(user=user, partner_ids=partner_ids)
        .filter(replaced_by__isnull=False)
        .select_related("uploaded_by")
        .order_by("-created_at", "-id")
    )
    by_id = {document.pk: document for document in replaced}
    versions: dict[int, list[PartnerDocument]] = {}
    for document in replaced:
        newer, seen = document.replaced_by_id, {document.pk}
        while newer in by_id and newer not in seen:  # walk the chain up to the current version
            seen.add(newer)
            newer = by_id[newer].replaced_by_id
        versions.setdefault(newer, []).append(document)
    return versions


def metric_list(
    *,
    user,
    partner_ids: Iterable[int] | None = None,
    keys: Iterable[str] | None = None,
    since: date | None = None,
) -> QuerySet[ReportedMetric]:
    """Reported figures of partners the user may see; ``since`` keeps periods ending on or after it.

    Ordered by partner, key and newest period first, which the (partner, key, period_end) index serves.
    """
    metrics = _of_visible(ReportedMetric.objects.all(), user=user, partner_ids=partner_ids)
    if keys is not None:
        metrics = metrics.filter(key__in=list(keys))
    if since is not None:
        metrics = metrics.filter(period_end__gte=since)
    return metrics.order_by("partner_id", "key", "-period_end", "-id")


def review_list(*, user, partner_ids: Iterable[int] | None = None) -> QuerySet[BusinessReview]:
    """Business reviews of partners the user may see, by partner, most recent first."""
    return _of_visible(BusinessReview.objects.all(), user=user, partner_ids=partner_ids).order_by(
        "partner_id", "-held_on", "-id"
    )


@dataclass(frozen=True)
class MetricSeries:
    key: str
    latest: ReportedMetric
    recent: list[ReportedMetric]  # newest first, up to six periods


@dataclass(frozen=True)
class PartnerRecords:
    agreements: list[Agreement]
    documents: list[PartnerDocument]
    metrics: list[MetricSeries]
    reviews: list[BusinessReview]


def partner_records(*, user, partner_id: int, today: date, reviews: int = 5) -> PartnerRecords:
    """What the partner page shows of the relationship, in four queries: agreements, current
    documents (not those a newer upload replaced), the last year of each reported metric, and the
    latest reviews."""
    ids = [partner_id]
    series: dict[str, list[ReportedMetric]] = {}
    for metric in metric_list(user=user, partner_ids=ids, since=today - timedelta(days=365)):
        series.setdefault(metric.key, []).append(metric)
    return PartnerRecords(
        agreements=list(agreement_list(user=user, partner_ids=ids).order_by("status", "end_on", "id")),
        documents=list(
            document_list(user=user, partner_ids=ids, current_only=True).order_by("kind", "-issued_on", "-id")
        ),
        metrics=[MetricSeries(key, values[0], values[:6]) for key, values in sorted(series.items())],
        reviews=list(review_list(user=user, partner_ids=ids)[:reviews]),
    )
