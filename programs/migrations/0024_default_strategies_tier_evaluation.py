"""The channel and sales default strategies review tiers every quarter, the technology one too.

Channel and sales get a tier_evaluation rule for the "channel-partner-program", technology one
for the "technology-alliance" (the programs the demo data seeds; without such a program the rule
finds no members). A default strategy still at the version an earlier migration published gets
the next version with the rule; one a manager has edited since is left as it is.
"""

from django.db import migrations

TIER_REVIEW = {
    "kind": "tier_evaluation",
    "params": {"program": "channel-partner-program", "every_days": 91},
    "scope": {},
}
ALLIANCE_REVIEW = {
    "kind": "tier_evaluation",
    "params": {"program": "technology-alliance", "every_days": 91},
    "scope": {},
}
REVIEWS = {"Sales partners": TIER_REVIEW, "Channel partners": TIER_REVIEW, "Technology partners": ALLIANCE_REVIEW}
NOTES = {
    "Sales partners": "Quarterly tier review in the Channel Partner Program.",
    "Channel partners": "Quarterly tier review in the Channel Partner Program.",
    "Technology partners": "Quarterly tier review in the Technology Alliance.",
}
PREVIOUS_NOTES = (
    "Partners are asked too: to propose review dates and to upload missing or out-of-date documents.",
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
            strategy=strategy,
            number=current.number + 1,
            rules=[*current.rules, REVIEWS[strategy.name]],
            note=NOTES[strategy.name],
        )
        strategy.current_version = version
        strategy.save(update_fields=["current_version"])


class Migration(migrations.Migration):
    dependencies = [("programs", "0023_tiers")]

    operations = [migrations.RunPython(review_tiers, migrations.RunPython.noop)]
