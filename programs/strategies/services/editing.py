"""Whole edits of a strategy as the API and the portal submit them, on top of ``publish`` and
``runs``.

Everything is validated first through the same functions (``rules_errors``, ``scope_errors``,
``validate_cron``) and written through the other services, so the API and the portal cannot
disagree about what a valid strategy is, or about which edit publishes a version.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from partners.models import Partner
from prm.errors import Conflict, FieldErrors
from programs.strategies.models import Strategy, StrategyRun, validate_cron
from programs.strategies.services.publish import rules_errors, scope_errors, strategy_publish, strategy_update
from programs.strategies.services.runs import run_start

SCOPE_KEYS = ("verticals", "regions", "engagement")


class StrategyUnpublished(Conflict):
    code = "strategy_unpublished"
    default_message = "This strategy has no published version to run."


def _field_errors(
    *, strategy_id: int | None, name: str | None, schedule: str | None, scope: dict | None, rules
) -> dict:
    """Every problem with the given fields at once, keyed like the request body."""
    errors: dict = {}
    if name is not None and Strategy.objects.filter(name=name).exclude(pk=strategy_id).exists():
        errors["name"] = ["Another strategy has this name."]
    if schedule is not None:
        try:
            validate_cron(schedule)
        except ValidationError as exc:
            errors["schedule"] = exc.messages
    if scope is not None:
        problems = scope_errors(scope)
        if problems:
            errors["scope"] = problems
    if rules is not None:
        errors |= rules_errors(rules)
    return errors


@transaction.atomic
def strategy_create(
    *,
    actor,
    name: str,
    partner_type: str,
    rules: list[dict],
    scope: dict | None = None,
    schedule: str = "0 3 * * *",
    is_active: bool = True,
    note: str = "",
) -> Strategy:
    """Create a strategy and publish its rules as version 1, or raise FieldErrors and create nothing.

    Name, schedule, scope and rules are all checked before anything is written, so one answer
    lists every problem. A concurrent create with the same name loses on the unique constraint
    and gets the same field error.
    """
    scope = {key: [] for key in SCOPE_KEYS} | (scope or {})
    errors = _field_errors(strategy_id=None, name=name, schedule=schedule, scope=scope, rules=rules)
    if partner_type not in Partner.Type.values:
        errors["partner_type"] = [f"Must be one of: {', '.join(Partner.Type.values)}."]
    if errors:
        raise FieldErrors(errors)
    try:
        with transaction.atomic():
            strategy = Strategy.objects.create(
                name=name,
                partner_type=partner_type,
                scope_verticals=scope["verticals"],
                scope_regions=scope["regions"],
                scope_engagement=scope["engagement"],
                schedule=schedule,
                is_active=is_active,
            )
    except IntegrityError:
        raise FieldErrors({"name": ["Another strategy has this name."]}) from None
    strategy_publish(strategy_id=strategy.pk, actor=actor, rules=rules, note=note or "Created.")
    return Strategy.objects.select_related("current_version").get(pk=strategy.pk)


@transaction.atomic
def strategy_edit(
    *,
    strategy_id: int,
    actor,
    rules: list[dict] | None = None,
    scope: dict | None = None,
    note: str = "",
    **changes,
) -> Strategy:
    """Apply an edit of the API's strategy representation all or nothing.

    ``changes`` (name, schedule, is_active) and ``scope`` go through ``strategy_update``; a scope
    names only the keys it changes (a merge: ``{"regions": [...]}`` keeps verticals and
    engagement). New ``rules``, or a scope that differs from the current one, publish the next
    version (api.md: "a PATCH of rules or scope publishes version N+1"); a scope-only change
    republishes the current rules, so the version history also records who narrowed or widened
    a strategy and when. Everything is validated first: invalid input raises FieldErrors and
    changes nothing.
    """
    strategy = Strategy.objects.select_for_update(of=("self",)).select_related("current_version").get(pk=strategy_id)
    errors = _field_errors(
        strategy_id=strategy.pk,
        name=changes.get("name"),
        schedule=changes.get("schedule"),
        scope=scope,
        rules=rules,
    )
    if errors:
        raise FieldErrors(errors)
    scope_changes = {
        f"scope_{key}": list(values)
        for key, values in (scope or {}).items()
        if list(values) != list(getattr(strategy, f"scope_{key}"))
    }
    if changes or scope_changes:
        strategy_update(strategy_id=strategy.pk, actor=actor, **changes, **scope_changes)
    if rules is None and scope_changes:
        if strategy.current_version is None:
            raise StrategyUnpublished()
        rules = strategy.current_version.rules
        note = note or "Scope changed: " + "; ".join(
            f"{key.removeprefix('scope_')} = {', '.join(values) or 'any'}" for key, values in scope_changes.items()
        )
    if rules is not None:
        strategy_publish(strategy_id=strategy.pk, actor=actor, rules=rules, note=note)
    return Strategy.objects.select_related("current_version").get(pk=strategy.pk)


def strategy_start_run(*, strategy_id: int, actor, dry_run: bool, rules: list[dict] | None = None) -> StrategyRun:
    """Start a manual run (or a preview) of the strategy's current version, or a preview of
    unpublished ``rules``.

    A live run while one is queued or running returns that one (``run_start``); a strategy
    without a published version raises StrategyUnpublished instead of failing in the database.
    """
    if not Strategy.objects.filter(pk=strategy_id, current_version__isnull=False).exists():
        Strategy.objects.get(pk=strategy_id)  # DoesNotExist (404) for a strategy that is not there
        raise StrategyUnpublished()
    return run_start(
        strategy_id=strategy_id, actor=actor, trigger=StrategyRun.Trigger.MANUAL, dry_run=dry_run, rules=rules
    )
