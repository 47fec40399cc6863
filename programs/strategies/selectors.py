"""Reads of the strategies slice: strategies and their versions, runs, outcomes and health scores,
shaped for the pages and the API. Each read that lists data takes the user and answers only what
that user may see: strategies and runs are staff-only, outcomes follow partner visibility."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, F, QuerySet
from django.utils import timezone

from partners.models import Partner
from partners.selectors import region_descendants
from programs.strategies.models import HealthScore, Outcome, PreviewEntry, Strategy, StrategyRun, StrategyVersion
from programs.strategies.rules import RULES, build_rules


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
    """A preview's result: the outcomes it would create, keep and close (the caller has read the
    run through ``run_list``)."""
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
    outcomes = Outcome.objects.all()
    visible = Partner.objects.visible_to(user)
    # whoever sees every partner (staff) sees every outcome: no "partner IN (every partner)", which
    # costs a partner lookup per outcome counted and, on stale statistics, a sort of all of them
    if visible.query.has_filters():
        outcomes = outcomes.filter(partner__in=visible)
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


def strategy_list(*, user) -> QuerySet[Strategy]:
    """Every strategy with its current version, by partner type and name; none for anyone but staff
    (strategies are the vendor's own rules, never shown to partners' logins)."""
    strategies = Strategy.objects.select_related("current_version").order_by("partner_type", "name")
    return strategies if _is_staff(user) else strategies.none()


def strategy_open_outcome_counts(*, strategy_ids: list[int]) -> dict[int, int]:
    """Open outcomes per strategy (strategy id → count; a strategy without any is left out) in one
    grouped query. The caller has read the strategies through ``strategy_list``, which is staff-only,
    and staff see every outcome."""
    rows = (
        Outcome.objects.filter(strategy_id__in=strategy_ids, state=Outcome.State.OPEN)
        .order_by()
        .values_list("strategy_id")
        .annotate(count=Count("*"))
    )
    return dict(rows)


def strategy_versions(*, strategy_id: int) -> QuerySet[StrategyVersion]:
    """A strategy's published versions, newest first, with their authors (the caller has read the
    strategy through ``strategy_list``)."""
    return StrategyVersion.objects.filter(strategy_id=strategy_id).select_related("author").order_by("-number")


def rules_described(rules) -> list[str]:
    """Stored rule specs in plain language, one sentence each ([] for specs that no longer build)."""
    built, errors = build_rules(rules or [])
    return [] if errors else [rule.describe() for rule in built]


def rule_kind_list(*, user) -> list[dict]:
    """The rule kinds a strategy can use, with each kind's parameter schema, by kind; none for
    anyone but staff (they only serve the strategy editor)."""
    if not _is_staff(user):
        return []
    return [
        {"kind": rule.kind, "label": rule.label, "description": rule.description, "params": rule.params.as_json()}
        for _, rule in sorted(RULES.items())
    ]


def run_list(*, user, strategy_id: int | None = None) -> QuerySet[StrategyRun]:
    """Runs, newest first, with their strategy, version and requester; none for anyone but staff."""
    runs = StrategyRun.objects.select_related("strategy", "version", "requested_by")
    if not _is_staff(user):
        return runs.none()
    if strategy_id is not None:
        runs = runs.filter(strategy_id=strategy_id)
    return runs.order_by("-created_at", "-id")


def partner_open_requests(*, user, partner_id: int) -> QuerySet[Outcome]:
    """Open outcomes addressed to the partner itself ("what we need from you"), soonest due first;
    empty for a partner the user may not see. outcome_list already limits a partner's login to
    these; the audience filter keeps the answer the same when staff ask what the partner sees."""
    filters = OutcomeFilters(partner=(partner_id,), state=(Outcome.State.OPEN,), audience=(Outcome.Audience.PARTNER,))
    return outcome_list(user=user, filters=filters)


def _is_staff(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def health_trend(*, user, partner_id: int, days: int = 365) -> list[tuple[date, int]]:
    """The partner's daily health scores over the last ``days`` days, oldest first."""
    since = timezone.localdate() - timedelta(days=days)
    visible = Partner.objects.visible_to(user).filter(pk=partner_id)
    return list(
        HealthScore.objects.filter(partner__in=visible, day__gte=since).order_by("day").values_list("day", "score")
    )
