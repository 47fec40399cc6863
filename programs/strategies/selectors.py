"""Reads for strategies and their runs."""

from __future__ import annotations

from django.db.models import QuerySet

from partners.models import Partner
from partners.selectors import region_descendants
from programs.strategies.models import PreviewEntry, Strategy


def strategy_partners(*, strategy: Strategy) -> QuerySet[Partner]:
    """The partners a strategy manages: its type and scope; terminated partners are left alone."""
    partners = Partner.objects.filter(facets__contains=[f"type:{strategy.partner_type}"]).exclude(
        status=Partner.Status.TERMINATED
    )
    if strategy.scope_engagement:
        partners = partners.filter(facets__overlap=[f"engagement:{value}" for value in strategy.scope_engagement])
    if strategy.scope_regions:
        partners = partners.filter(facets__overlap=region_descendants(strategy.scope_regions))
    if strategy.scope_verticals:
        partners = partners.filter(facets__overlap=list(strategy.scope_verticals))
    return partners


def run_diff(*, run_id: int) -> dict[str, list[dict]]:
    """A preview's result: the outcomes it would create, keep and close."""
    diff: dict[str, list[dict]] = {action: [] for action in PreviewEntry.Action.values}
    for entry in PreviewEntry.objects.filter(run_id=run_id).select_related("partner").order_by("action", "id"):
        diff[entry.action].append(
            {
                "partner": entry.partner_id,
                "partner_name": entry.partner.name,
                "rule_kind": entry.rule_kind,
                "kind": entry.kind,
                "title": entry.title,
                "explanation": entry.explanation,
                "dedupe_key": entry.dedupe_key,
            }
        )
    return diff
