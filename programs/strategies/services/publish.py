"""Publishing a strategy's rules as a new version, and changing its name, scope, schedule and
active flag; with the validation of rules and scopes that every other write shares."""

from __future__ import annotations

import json

from django.db import transaction
from django.db.models import Max

from partners.models import Partner
from partners.reference import reference
from prm.errors import FieldErrors
from programs.strategies.models import Strategy, StrategyVersion
from programs.strategies.rules import build_rules
from programs.strategies.services.schedules import strategy_schedule_sync

SCOPE_KEYS = {"verticals", "regions", "engagement"}


def scope_errors(scope: dict) -> dict[str, list[str]]:
    """Unknown keys, regions, verticals or engagement levels in a strategy's scope."""
    ref, errors = reference(), {}
    for key in sorted(set(scope) - SCOPE_KEYS):
        errors[key] = ["Not a scope; use verticals, regions or engagement."]
    known = {"regions": set(ref.regions), "verticals": set(ref.verticals), "engagement": set(Partner.Engagement.values)}
    for key, allowed in known.items():
        values = scope.get(key, [])
        if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
            errors[key] = ["A list of strings."]
            continue
        unknown = sorted(set(values) - allowed)
        if unknown:
            errors[key] = [f"Unknown: {', '.join(unknown)}."]
    return errors


def rules_errors(rules: list[dict]) -> dict:
    """Every problem with a list of rule specs, nested like the request body ({} when valid)."""
    ref = reference()
    if not isinstance(rules, list) or not rules:
        return {"rules": ["A strategy needs at least one rule."]}
    if "\\u0000" in json.dumps(rules):  # PostgreSQL refuses NUL in JSON: a 400 here, not a 500 later
        return {"rules": ["Text may not contain NUL characters."]}
    _, errors = build_rules(rules, known_regions=set(ref.regions), known_verticals=set(ref.verticals))
    return {"rules": errors} if errors else {}


@transaction.atomic
def strategy_publish(*, strategy_id: int, actor, rules: list[dict], note: str = "") -> StrategyVersion:
    """Validate every rule and publish them as the strategy's next version, which becomes current.

    Versions are never edited: runs and outcomes keep pointing at the rules that made them.
    The strategy row is locked, so concurrent publishes get consecutive numbers. Invalid
    rules raise FieldErrors and publish nothing.
    """
    errors = rules_errors(rules)
    if errors:
        raise FieldErrors(errors)
    strategy = Strategy.objects.select_for_update().get(pk=strategy_id)
    number = (strategy.versions.aggregate(last=Max("number"))["last"] or 0) + 1
    version = StrategyVersion.objects.create(
        strategy=strategy, number=number, rules=rules, note=note, author=actor if actor and actor.pk else None
    )
    strategy.current_version = version
    strategy.save(update_fields=["current_version", "updated_at"])
    return version


@transaction.atomic
def strategy_update(*, strategy_id: int, actor, **changes) -> Strategy:
    """Change name, scope, schedule or the active flag (the rules change by publishing).

    The strategy row is locked; a change of schedule, name or active flag updates beat's periodic
    task in the same transaction. An unknown scope value raises FieldErrors and changes nothing.
    """
    allowed = {"name", "is_active", "schedule", "scope_verticals", "scope_regions", "scope_engagement"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"not strategy fields: {sorted(unknown)}")
    scope = {
        key: changes[f"scope_{key}"] for key in ("verticals", "regions", "engagement") if f"scope_{key}" in changes
    }
    errors = scope_errors(scope)
    if errors:
        raise FieldErrors({"scope": errors})
    strategy = Strategy.objects.select_for_update().get(pk=strategy_id)
    for field, value in changes.items():
        setattr(strategy, field, value)
    strategy.full_clean(exclude=["current_version"])
    strategy.save()
    if {"schedule", "is_active", "name"} & set(changes):
        strategy_schedule_sync(strategy=strategy)
    return strategy
