"""The default strategies ask partners too: to propose dates for their reviews and to upload
missing, expired or out-of-date documents (what the partner portal's home lists for them).

A default strategy still at the version its seed published gets version 2, with ``ask_partner``
on its review cadence and document compliance rules; a strategy a manager has edited since is
left as it is (the option is in the rule editor).
"""

from importlib import import_module

from django.db import migrations

ASKING_KINDS = {"review_cadence", "document_compliance"}
NOTE = "Partners are asked too: to propose review dates and to upload missing or out-of-date documents."


def ask_partners(apps, schema_editor):
    Strategy = apps.get_model("programs", "Strategy")
    StrategyVersion = apps.get_model("programs", "StrategyVersion")
    seeded = {
        name: rules for name, _, _, _, rules in import_module("programs.migrations.0002_default_strategies").DEFAULTS
    }
    for strategy in Strategy.objects.filter(name__in=seeded).select_related("current_version"):
        current = strategy.current_version
        if current is None or current.number != 1 or current.rules != seeded[strategy.name]:
            continue
        rules = [
            {**rule, "params": {**rule["params"], "ask_partner": True}} if rule["kind"] in ASKING_KINDS else rule
            for rule in current.rules
        ]
        version = StrategyVersion.objects.create(strategy=strategy, number=2, rules=rules, note=NOTE)
        strategy.current_version = version
        strategy.save(update_fields=["current_version"])


class Migration(migrations.Migration):
    dependencies = [("programs", "0006_outcome_audience_choices")]

    operations = [migrations.RunPython(ask_partners, migrations.RunPython.noop)]
