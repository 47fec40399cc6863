"""Plain-language pieces the strategy pages share: schedules in words, rules described, version diffs."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from typing import Any

from programs.strategies.rules import RULES, build_rule

DAYS_OF_WEEK = {
    "0": "Sunday", "1": "Monday", "2": "Tuesday", "3": "Wednesday", "4": "Thursday", "5": "Friday",
    "6": "Saturday", "7": "Sunday", "sun": "Sunday", "mon": "Monday", "tue": "Tuesday", "wed": "Wednesday",
    "thu": "Thursday", "fri": "Friday", "sat": "Saturday",
}  # fmt: skip


def cron_words(expression: str) -> str:
    """ "0 3 * * *" → "daily at 03:00 UTC"; anything unusual is shown as the cron expression itself."""
    parts = expression.split()
    if len(parts) != 5:
        return expression
    minute, hour, day_of_month, month, day_of_week = parts
    if not (minute.isdigit() and hour.isdigit()) or month != "*":
        return f"cron “{expression}” (UTC)"
    at = f"at {int(hour):02d}:{int(minute):02d} UTC"
    if day_of_month == "*" and day_of_week == "*":
        return f"daily {at}"
    if day_of_month == "*" and day_of_week.lower() in DAYS_OF_WEEK:
        return f"every {DAYS_OF_WEEK[day_of_week.lower()]} {at}"
    if day_of_month == "*" and day_of_week in ("1-5", "mon-fri"):
        return f"on weekdays {at}"
    if day_of_week == "*" and day_of_month.isdigit():
        return f"monthly on day {int(day_of_month)} {at}"
    return f"cron “{expression}” (UTC)"


@dataclass(frozen=True)
class RuleView:
    """One stored rule spec as a page shows it."""

    index: int
    kind: str
    label: str
    text: str
    spec: dict = field(default_factory=dict)
    valid: bool = True


def describe_rules(specs: list[dict]) -> list[RuleView]:
    """Each stored rule in plain language (rule.describe()); an invalid stored spec is shown, not hidden."""
    views = []
    for index, spec in enumerate(specs or []):
        kind = spec.get("kind", "") if isinstance(spec, dict) else ""
        label = RULES[kind].label if kind in RULES else kind or "Unknown rule"
        rule, errors = build_rule(spec)
        if rule is None:
            views.append(RuleView(index, kind, label, f"{label}: not a valid rule ({errors})", spec, valid=False))
        else:
            text = rule.describe()
            views.append(RuleView(index, kind, label, text[:1].upper() + text[1:], spec))
    return views


def _canonical(spec: dict) -> str:
    return json.dumps(spec, sort_keys=True, default=str)


def _param_changes(old: dict, new: dict) -> list[tuple[str, Any, Any]]:
    changes = []
    for section in ("params", "scope"):
        before, after = old.get(section) or {}, new.get(section) or {}
        for key in sorted(set(before) | set(after)):
            if before.get(key) != after.get(key):
                name = key if section == "params" else f"scope: {key}"
                changes.append((name, _show(before.get(key)), _show(after.get(key))))
    return changes


def _show(value: Any) -> str:
    if value is None or value == [] or value == {}:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key} {item}" for key, item in value.items())
    return str(value)


@dataclass(frozen=True)
class RuleChange:
    change: str  # same | added | removed | changed
    old: RuleView | None
    new: RuleView | None
    params: list[tuple[str, str, str]] = field(default_factory=list)


def version_diff(old_specs: list[dict], new_specs: list[dict]) -> list[RuleChange]:
    """Rule-by-rule comparison of two versions: unchanged, added, removed, or changed with the
    parameters that differ. Matching is difflib's on whole specs; replaced rules of the same
    kind pair up as "changed", the rest as removed + added."""
    old_views, new_views = describe_rules(old_specs), describe_rules(new_specs)
    matcher = difflib.SequenceMatcher(
        a=[_canonical(s) for s in old_specs or []], b=[_canonical(s) for s in new_specs or []], autojunk=False
    )
    changes: list[RuleChange] = []
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        if tag == "equal":
            changes.extend(
                RuleChange("same", old_views[a], new_views[b])
                for a, b in zip(range(a1, a2), range(b1, b2), strict=True)
            )
            continue
        olds, news = list(range(a1, a2)), list(range(b1, b2))
        while olds and news and old_views[olds[0]].kind == new_views[news[0]].kind:
            a, b = olds.pop(0), news.pop(0)
            changes.append(
                RuleChange("changed", old_views[a], new_views[b], _param_changes(old_specs[a], new_specs[b]))
            )
        changes.extend(RuleChange("removed", old_views[a], None) for a in olds)
        changes.extend(RuleChange("added", None, new_views[b]) for b in news)
    return changes
