"""Turning stored rule specs (``{"kind", "params", "scope"}``) into rules, or into field errors.

Whether a region or vertical exists lives in the database, so the caller passes the known codes
in; everything else is checked here, and the errors keep the shape of the submitted JSON so the
strategy editor can show each one beside its field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from programs.strategies.rules.base import ENGAGEMENTS, RULES, Rule, Scope
from programs.strategies.rules.params import NON_FIELD, REQUIRED
from programs.strategies.rules.wording import either

SPEC_KEYS = ("kind", "params", "scope")
SCOPE_KEYS = ("verticals", "regions", "engagement")


def parse_scope(
    raw: Mapping[str, Any] | None,
    *,
    known_regions: set[str] | None = None,
    known_verticals: set[str] | None = None,
) -> tuple[Scope | None, dict[str, list[str]]]:
    """A Scope, or None and errors keyed by scope key; a missing or null key means "any"."""
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        return None, {NON_FIELD: ["Must be an object with verticals, regions and engagement."]}
    errors = {
        str(key): ["Unknown scope key; use verticals, regions or engagement."] for key in raw if key not in SCOPE_KEYS
    }
    allowed = {
        "verticals": (known_verticals, "vertical"),
        "regions": (known_regions, "region"),
        "engagement": (set(ENGAGEMENTS), "engagement level"),
    }
    values: dict[str, tuple[str, ...]] = {}
    for key in SCOPE_KEYS:
        value = raw.get(key) or []
        if not isinstance(value, list | tuple) or not all(isinstance(item, str) and item.strip() for item in value):
            errors[key] = ["Must be a list of non-empty text values."]
            continue
        values[key] = tuple(dict.fromkeys(item.strip() for item in value))
        known, noun = allowed[key]
        unknown = [item for item in values[key] if known is not None and item not in known]
        if unknown:
            hint = f" Use {either(ENGAGEMENTS)}." if key == "engagement" else ""
            errors[key] = [f"Unknown {noun} “{item}”.{hint}" for item in unknown]
    return (None, errors) if errors else (Scope(**values), {})


def build_rule(
    spec: Any, *, known_regions: set[str] | None = None, known_verticals: set[str] | None = None
) -> tuple[Rule | None, dict[str, Any]]:
    """One rule, or None and its errors: ``{"kind": [...]}``, ``{"params": {field: [...]}}``, ``{"scope": {...}}``."""
    if not isinstance(spec, Mapping):
        return None, {NON_FIELD: ["Must be an object with kind, params and scope."]}
    errors: dict[str, Any] = {}
    unknown = [str(key) for key in spec if key not in SPEC_KEYS]
    if unknown:
        errors[NON_FIELD] = [f"Unknown key “{key}”; use kind, params and scope." for key in unknown]
    kind, params = spec.get("kind"), None
    if kind is None or kind == "":
        errors["kind"] = [REQUIRED]
    elif not isinstance(kind, str) or kind not in RULES:
        errors["kind"] = [f"Unknown rule kind “{kind}”."]
    else:
        params, param_errors = RULES[kind].params.validate(spec.get("params"))
        if param_errors:
            errors["params"] = param_errors
    scope, scope_errors = parse_scope(spec.get("scope"), known_regions=known_regions, known_verticals=known_verticals)
    if scope_errors:
        errors["scope"] = scope_errors
    if errors:
        return None, errors
    return RULES[kind](params, scope), {}


def build_rules(
    specs: Sequence[Any], *, known_regions: set[str] | None = None, known_verticals: set[str] | None = None
) -> tuple[list[Rule], dict[str, Any]]:
    """All rules and ``{}``, or ``[]`` and the errors keyed by the rule's index as text, then by field.

    All or nothing: a strategy never runs with some of its rules silently dropped.
    """
    if not isinstance(specs, list | tuple):
        return [], {NON_FIELD: ["Must be a list of rules."]}
    rules, errors = [], {}
    for index, spec in enumerate(specs):
        rule, rule_errors = build_rule(spec, known_regions=known_regions, known_verticals=known_verticals)
        if rule_errors:
            errors[str(index)] = rule_errors
        else:
            rules.append(rule)
    return ([], errors) if errors else (rules, {})
