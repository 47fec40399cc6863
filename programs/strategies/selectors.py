"""Reads of the strategies slice: strategies and their versions, runs, outcomes and health scores,
shaped for the pages and the API. Each read that lists data takes the user and answers only what
that user may see: strategies and runs are staff-only, outcomes follow partner visibility."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import CharField, Count, Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Concat
from django.db.models.lookups import Exact
from django.utils import timezone

from partners.models import Contact, Partner
from partners.selectors import contact_list, region_descendants
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


# --- the inbox: the manager's own outcomes, and the requests waiting on partners ---------------

# A rule that asks the partner (``ask_partner``) writes two outcomes about one thing: the manager's
# task or alert, and the partner's request, whose dedupe key is the task's plus this suffix.
PARTNER_SIDE = ":partner"
# how long a partner has to answer a request that carries no due date (documents to upload)
PARTNER_ANSWER_DAYS = 14
# the inbox's lists count this far ("1,000+"): a to-do list needs no more, and counting "To do"
# looks each row's request up (about ten microseconds a row at a million partners)
INBOX_COUNT_CAP = 1000


def inbox_count_cap() -> int:
    """How far the inbox's tabs count: INBOX_COUNT_CAP, or less when LIST_COUNT_CAP says so."""
    return min(settings.LIST_COUNT_CAP, INBOX_COUNT_CAP)


def _answer_cutoff(today: date) -> datetime:
    """Requests without a due date asked before this moment are late."""
    return timezone.make_aware(datetime.combine(today - timedelta(days=PARTNER_ANSWER_DAYS), time.min))


def _in_time(today: date) -> Q:
    return Q(due_on__gte=today) | Q(due_on__isnull=True, created_at__gte=_answer_cutoff(today))


def answer_due_on(outcome: Outcome) -> date:
    """The day a partner request should be answered by (its due date, or PARTNER_ANSWER_DAYS after it
    was asked)."""
    return outcome.due_on or (timezone.localtime(outcome.created_at).date() + timedelta(days=PARTNER_ANSWER_DAYS))


def inbox_tasks(*, user, filters: OutcomeFilters) -> QuerySet[Outcome]:
    """The manager's own outcomes (audience "manager") for the inbox, in ``outcome_list``'s order.

    An open task or alert whose request to the partner is still open and in time is left out: it
    waits on the partner, and shows once, as the request, in ``inbox_waiting``. It comes back here
    once the partner is late (its due date, or PARTNER_ANSWER_DAYS after it was asked). A page walks
    the inbox indexes (outcome_inbox_mine / outcome_inbox_all) with an anti-join that looks each
    row's request up in the unique (strategy, dedupe key) index; that lookup per row is why the
    inbox counts no further than INBOX_COUNT_CAP.
    """
    today = timezone.localdate()
    waiting = Outcome.objects.filter(
        strategy_id=OuterRef("strategy_id"),
        dedupe_key=Concat(OuterRef("dedupe_key"), Value(PARTNER_SIDE), output_field=CharField()),
        state=Outcome.State.OPEN,
        audience=Outcome.Audience.PARTNER,
    ).filter(_in_time(today))
    if set(filters.state) != {Outcome.State.OPEN}:  # closed outcomes never wait
        waiting = waiting.filter(Exact(OuterRef("state"), Outcome.State.OPEN))
    outcomes = outcome_list(user=user, filters=replace(filters, audience=(Outcome.Audience.MANAGER,)))
    return outcomes.exclude(Exists(waiting))


def inbox_waiting(*, user, filters: OutcomeFilters) -> QuerySet[Outcome]:
    """Requests addressed to partners (audience "partner") for the inbox, soonest due first: every
    one the partner has not answered, late or not (a late one's task is back in ``inbox_tasks``).
    A page of open requests walks the partial indexes outcome_waiting_mine / outcome_waiting_all,
    and their counts read those indexes alone."""
    return outcome_list(user=user, filters=replace(filters, audience=(Outcome.Audience.PARTNER,)))


def inbox_other_sides(*, outcomes: list[Outcome]) -> dict[int, Outcome]:
    """For a page of inbox rows, the open outcome on the other side of each (a task's request to the
    partner, a request's task), by the row's id: one query whatever the page's size. The caller read
    the rows through ``inbox_tasks`` / ``inbox_waiting``; both sides concern the same partner."""
    wanted: dict[tuple[int, str], int] = {}
    for outcome in outcomes:
        if outcome.state != Outcome.State.OPEN:
            continue
        if outcome.audience == Outcome.Audience.PARTNER:
            if outcome.dedupe_key.endswith(PARTNER_SIDE):
                wanted[(outcome.strategy_id, outcome.dedupe_key[: -len(PARTNER_SIDE)])] = outcome.pk
        else:
            wanted[(outcome.strategy_id, outcome.dedupe_key + PARTNER_SIDE)] = outcome.pk
    if not wanted:
        return {}
    found = Outcome.objects.filter(
        partner_id__in={outcome.partner_id for outcome in outcomes},
        dedupe_key__in={key for _, key in wanted},
        state=Outcome.State.OPEN,
    ).only("id", "strategy_id", "dedupe_key", "audience", "title", "due_on", "created_at")
    return {
        wanted[(other.strategy_id, other.dedupe_key)]: other
        for other in found
        if (other.strategy_id, other.dedupe_key) in wanted
    }


def partner_primary_contacts(*, user, partner_ids) -> dict[int, Contact]:
    """Each partner's primary contact (partner id → contact; a partner without one is left out), of the
    partners the user may see: one query."""
    contacts = contact_list(user=user, partner_ids=set(partner_ids)).filter(role=Contact.Role.PRIMARY)
    return {contact.partner_id: contact for contact in contacts}


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
