"""The strategy editor: rules (built by static/js/strategy_editor.js into a JSON field) published as
a new version, and the strategy's name, schedule, active flag and scope."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from partners.models import Partner
from partners.reference import reference
from partners.views.access import portal_view
from prm.errors import FieldErrors
from programs.strategies import services
from programs.strategies.forms import StrategySettingsForm
from programs.strategies.rules import RULES
from programs.strategies.views.display import describe_rules
from programs.strategies.views.strategy_pages import _strategy_or_404

SPEC_FIELDS = ("kind", "params", "scope")


def rule_kinds() -> dict:
    """What the editor needs to render each kind's parameters."""
    return {
        kind: {"label": cls.label, "description": cls.description, "params": cls.params.as_json()}
        for kind, cls in sorted(RULES.items(), key=lambda item: item[1].label)
    }


def _error_list(rules_errors, specs: list) -> list[str]:
    """The nested FieldErrors as sentences ("Rule 2 (Inactivity), days: …") for the summary above the editor."""
    if isinstance(rules_errors, list):
        return [str(error) for error in rules_errors]
    lines = []
    for index, errors in sorted(rules_errors.items(), key=lambda item: int(item[0]) if item[0].isdigit() else -1):
        if not index.isdigit():
            lines.extend(str(error) for error in errors)
            continue
        spec = specs[int(index)] if int(index) < len(specs) and isinstance(specs[int(index)], dict) else {}
        kind = spec.get("kind")
        where = f"Rule {int(index) + 1}" + (f" ({RULES[kind].label})" if kind in RULES else "")
        for key, value in errors.items():
            if isinstance(value, dict):
                for name, messages_ in value.items():
                    label = "" if name == "__all__" else f" {name}"
                    lines.extend(f"{where}, {key}{label}: {message}" for message in messages_)
            else:
                label = "" if key == "__all__" else f" {key}"
                lines.extend(f"{where}{label}: {message}" for message in value)
    return lines


@portal_view(write=True)
def strategy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    strategy = _strategy_or_404(request.user, pk)
    current = strategy.current_version
    specs = list(current.rules) if current else []
    note, rule_errors, error_lines, preview = "", {}, [], None
    settings_form = StrategySettingsForm(strategy=strategy)
    status = 200
    if request.method == "POST" and request.POST.get("form") == "settings":
        settings_form = StrategySettingsForm(request.POST, strategy=strategy)
        status = 400
        if settings_form.is_valid():
            changes = settings_form.changes()
            if not changes:
                messages.info(request, "Nothing was changed.")
                return redirect("strategy-detail", pk=pk)
            try:
                scope = {key[6:]: changes.pop(key) for key in list(changes) if key.startswith("scope_")}
                services.strategy_edit(strategy_id=pk, actor=request.user, scope=scope or None, **changes)
            except FieldErrors as exc:
                for key, errors in exc.errors.items():
                    nested = errors.items() if isinstance(errors, dict) else [(None, errors)]
                    for sub, messages_ in nested:
                        field = f"scope_{sub}" if key == "scope" else key
                        settings_form.add_error(field if field in settings_form.fields else None, messages_)
            except ValidationError as exc:
                settings_form.add_error(None, exc)
            else:
                messages.success(request, f"{changes.get('name', strategy.name)} settings were saved.")
                return redirect("strategy-detail", pk=pk)
    elif request.method == "POST":
        note = request.POST.get("note", "").strip()[:500]
        status = 400
        try:
            specs = json.loads(request.POST.get("rules") or "[]")
        except ValueError:
            specs, error_lines = [], ["The rules could not be read; reload the page and try again."]
        else:
            try:
                if request.POST.get("action") == "preview":
                    preview = services.run_start(
                        strategy_id=pk, actor=request.user, trigger="manual", dry_run=True, rules=specs
                    )
                else:
                    version = services.strategy_publish(strategy_id=pk, actor=request.user, rules=specs, note=note)
            except FieldErrors as exc:
                rule_errors = exc.errors.get("rules", {})
                if not isinstance(rule_errors, dict):
                    error_lines = list(rule_errors)
                    rule_errors = {}
                else:
                    error_lines = _error_list(rule_errors, specs if isinstance(specs, list) else [])
            else:
                if request.POST.get("action") != "preview":
                    messages.success(request, f"Published version {version.number}.")
                    return redirect("strategy-detail", pk=pk)
                # the draft stays in the editor; the preview's progress and result show beside it
                status = 200
    ref = reference()
    return render(
        request,
        "strategies/strategy_edit.html",
        {
            "strategy": strategy,
            "rules_json": json.dumps(specs, indent=2),
            "specs": specs,
            "described": describe_rules(specs) if not error_lines else [],
            "editor_data": {
                "kinds": rule_kinds(),
                "regions": [[code, name] for code, name in ref.regions.items()],
                "verticals": [[slug, name] for slug, name in ref.verticals.items()],
                "engagement": [[value, str(label)] for value, label in Partner.Engagement.choices],
                "errors": rule_errors if isinstance(rule_errors, dict) else {},
            },
            "note": note,
            "error_lines": error_lines,
            "settings_form": settings_form,
            "preview": preview,
            "next_number": (current.number + 1) if current else 1,
        },
        status=status,
    )
