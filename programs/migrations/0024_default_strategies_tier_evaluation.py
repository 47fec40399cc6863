"""The channel and sales default strategies review tiers every quarter.

Both get a tier_evaluation rule for the "channel-partner-program" (the program the demo data
seeds for channel and sales partners; without such a program the rule finds no members). A
default strategy still at the version 0020 published gets the next version with the rule; one a
manager has edited since is left as it is (the rule is in the editor).
"""

from django.db import migrations

TIER_REVIEW = {
    "kind": "tier_evaluation",
    "params": {"program": "channel-partner-program", "every_days": 91},
    "scope": {},
}
NOTES = {
    "Sales partners": "Quarterly tier review in the Channel Partner Program.",
    "Channel partners": "Quarterly tier review in the Channel Partner Program.",
}
PREVIOUS_NOTES = (
    "Deals drive it: a coaching task after 90 days without a registration; the win rate comes "
    "from the deals closed in the last 180 days.",
    "Deals and leads: a coaching task after 90 days without a registration; an alert when "
    "leads go unanswered past the SLA.",
)


def review_tiers(apps, schema_editor):
    Strategy = apps.get_model("programs", "Strategy")
    StrategyVersion = apps.get_model("programs", "StrategyVersion")
    for strategy in Strategy.objects.filter(name__in=NOTES).select_related("current_version"):
        current = strategy.current_version
        if current is None or current.note not in PREVIOUS_NOTES:
            continue
        version = StrategyVersion.objects.create(
            strategy=strategy, number=current.number + 1, rules=[*current.rules, TIER_REVIEW], note=NOTES[strategy.name]
        )
        strategy.current_version = version
        strategy.save(update_fields=["current_version"])


class Migration(migrations.Migration):
    dependencies = [("programs", "0023_tiers")]

    operations = [migrations.RunPython(review_tiers, migrations.RunPython.noop)]
