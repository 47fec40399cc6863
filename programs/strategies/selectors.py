"""Reads for strategies and their runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import F, QuerySet
from django.utils import timezone

from partners.models import Partner
from partners.selectors import region_descendants
from programs.strategies.models import HealthScore, Outcome, PreviewEntry, Strategy, StrategyRun


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


@dataclass(frozen=True)
class OutcomeFilters:
    kind: tuple[str, ...] = ()
    state: tuple[str, ...] = ("open",)
    partner_type: tuple[str, ...] = ()
    partner: tuple[int, ...] = ()
    strategy: tuple[int, ...] = ()
    run: tuple[int, ...] = ()
    assignee: tuple[int, ...] = ()
    audience: tuple[str, ...] = ()
    due_before: date | None = None


def outcome_list(*, user, filters: OutcomeFilters | None = None) -> QuerySet[Outcome]:
    """Outcomes of partners the user may see, soonest due first; the inbox, the API, the partner page
    and the partner portal use it.

    A partner's login sees only the outcomes addressed to its organisation (audience "partner"):
    what is asked of the partner manager does not exist for it, whichever page or endpoint asks.
    """
    filters = filters or OutcomeFilters()
    outcomes = Outcome.objects.filter(partner__in=Partner.objects.visible_to(user))
    if not user.is_staff:
        outcomes = outcomes.filter(audience=Outcome.Audience.PARTNER)
    outcomes = outcomes.select_related("partner", "strategy", "version", "assignee")
    for field, values in (
        ("kind__in", filters.kind),
        ("state__in", filters.state),
        ("partner__type__in", filters.partner_type),
        ("partner_id__in", filters.partner),
        ("strategy_id__in", filters.strategy),
        ("run_id__in", filters.run),
        ("assignee_id__in", filters.assignee),
        ("audience__in", filters.audience),
    ):
        if values:
            outcomes = outcomes.filter(**{field: list(values)})
    if filters.due_before:
        outcomes = outcomes.filter(due_on__lte=filters.due_before)
    return outcomes.order_by(F("due_on").asc(nulls_last=True), "-created_at", "-id")


def strategy_list() -> QuerySet[Strategy]:
    return Strategy.objects.select_related("current_version").order_by("partner_type", "name")


def run_list(*, strategy_id: int | None = None) -> QuerySet[StrategyRun]:
    runs = StrategyRun.objects.select_related("strategy", "version", "requested_by")
    if strategy_id is not None:
        runs = runs.filter(strategy_id=strategy_id)
    return runs.order_by("-created_at", "-id")


def health_trend(*, user, partner_id: int, days: int = 365) -> list[tuple[date, int]]:
    """The partner's daily health scores over the last ``days`` days, oldest first."""
    since = timezone.localdate() - timedelta(days=days)
    visible = Partner.objects.visible_to(user).filter(pk=partner_id)
    return list(
        HealthScore.objects.filter(partner__in=visible, day__gte=since).order_by("day").values_list("day", "score")
    )
