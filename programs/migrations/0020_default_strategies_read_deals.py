"""The sales and channel default strategies read the partners' deals and leads.

Sales: a coaching task when no deal was registered for 90 days, and the win-rate alert computed
from the deals closed in the last 180 days (at least five) instead of a reported figure. Channel:
the same coaching task, and an alert when three or more leads went unanswered past the SLA in 90
days. A default strategy still at a version its seed or 0007 published gets the next version with
these rules; one a manager has edited since is left as it is (the rules are in the editor).
"""

from importlib import import_module

from django.db import migrations

COACHING = {
    "kind": "pipeline_metric",
    "params": {
        "metric": "days_since_last_deal", "operator": "gte", "value": 90, "outcome": "task",
        "title": "Coaching: no deal registered in 90 days",
    },
    "scope": {},
}  # fmt: skip
WIN_RATE = {
    "kind": "pipeline_metric",
    "params": {"metric": "win_rate_pct", "operator": "lt", "value": 20, "window_days": 180, "min_count": 5,
               "outcome": "alert"},
    "scope": {},
}  # fmt: skip
LEAD_SLA = {
    "kind": "pipeline_metric",
    "params": {"metric": "lead_sla_breaches", "operator": "gte", "value": 3, "window_days": 90, "outcome": "alert",
               "title": "Leads left unanswered past the SLA"},
    "scope": {},
}  # fmt: skip
NOTES = {
    "Sales partners": "Deals drive it: a coaching task after 90 days without a registration; the win rate comes "
    "from the deals closed in the last 180 days.",
    "Channel partners": "Deals and leads: a coaching task after 90 days without a registration; an alert when "
    "leads go unanswered past the SLA.",
}


def _reported_win_rate(rule) -> bool:
    return rule["kind"] == "metric_threshold" and rule["params"].get("metric") == "win_rate_pct"


def _with_deals(name: str, rules: list) -> list:
    if name == "Sales partners":
        rules = [WIN_RATE if _reported_win_rate(rule) else rule for rule in rules]
        return [COACHING, *rules]
    return [COACHING, LEAD_SLA, *rules]


def read_deals(apps, schema_editor):
    Strategy = apps.get_model("programs", "Strategy")
    StrategyVersion = apps.get_model("programs", "StrategyVersion")
    seeded = {
        name: rules
        for name, _, _, _, rules in import_module("programs.migrations.0002_default_strategies").DEFAULTS
        if name in NOTES
    }
    asking = import_module("programs.migrations.0007_default_strategies_ask_partners")
    for strategy in Strategy.objects.filter(name__in=seeded).select_related("current_version"):
        current = strategy.current_version
        as_seeded = seeded[strategy.name]
        as_asked = [
            {**rule, "params": {**rule["params"], "ask_partner": True}} if rule["kind"] in asking.ASKING_KINDS else rule
            for rule in as_seeded
        ]
        if current is None or current.rules not in (as_seeded, as_asked):
            continue
        version = StrategyVersion.objects.create(
            strategy=strategy,
            number=current.number + 1,
            rules=_with_deals(strategy.name, current.rules),
            note=NOTES[strategy.name],
        )
        strategy.current_version = version
        strategy.save(update_fields=["current_version"])


class Migration(migrations.Migration):
    dependencies = [("programs", "0019_deal_list_indexes")]

    operations = [migrations.RunPython(read_deals, migrations.RunPython.noop)]
