"""The six default strategies of strategies.md, as version 1 of each (editable afterwards).

Rule kinds that arrive with later capabilities (deals, certifications, tiers) are added to
these strategies by the migrations that bring them.
"""

from django.db import migrations

HEALTH = {"kind": "health_score", "params": {}, "scope": {}}

DEFAULTS = [
    (
        "Business partners",
        "business",
        "0 3 * * *",
        "General relationship hygiene: an annual review, re-engagement when quiet, a health score.",
        [
            {"kind": "review_cadence", "params": {"every_days": 365, "review_kind": "business_review",
             "title": "Hold the annual business review"}, "scope": {}},
            {"kind": "inactivity", "params": {"days": 120}, "scope": {}},
            HEALTH,
        ],
    ),
    (
        "Financial partners",
        "financial",
        "10 3 * * *",
        "Arm's length or strategic: compliance documents for all, renewals, and reviews by depth.",
        [
            {"kind": "document_compliance", "params": {"required_kinds": ["kyc", "nda"]}, "scope": {}},
            {"kind": "agreement_renewal", "params": {"days_before": 60}, "scope": {}},
            {"kind": "review_cadence", "params": {"every_days": 90, "review_kind": "strategy_review",
             "title": "Schedule the quarterly strategy review"}, "scope": {"engagement": ["strategic"]}},
            {"kind": "review_cadence", "params": {"every_days": 365, "review_kind": "business_review",
             "title": "Hold the annual review"}, "scope": {"engagement": ["arms_length"]}},
            HEALTH,
        ],
    ),
    (
        "Technology partners",
        "technology",
        "20 3 * * *",
        "Integration and roadmap: a current integration certificate, semi-annual roadmap reviews.",
        [
            {"kind": "document_compliance", "params": {"required_kinds": ["integration_certificate"]}, "scope": {}},
            {"kind": "review_cadence", "params": {"every_days": 182, "review_kind": "roadmap_review",
             "title": "Schedule the roadmap review"}, "scope": {}},
            {"kind": "inactivity", "params": {"days": 180}, "scope": {}},
            HEALTH,
        ],
    ),
    (
        "Sales partners",
        "sales",
        "30 3 * * *",
        "Pipeline and deal flow: quarterly pipeline reviews, a falling win rate, quiet partners.",
        [
            {"kind": "review_cadence", "params": {"every_days": 90, "review_kind": "pipeline_review",
             "title": "Review the pipeline with the partner"}, "scope": {}},
            {"kind": "metric_threshold", "params": {"metric": "win_rate_pct", "operator": "lt", "value": 20,
             "window_days": 180, "aggregate": "average", "outcome": "alert"}, "scope": {}},
            {"kind": "inactivity", "params": {"days": 90}, "scope": {}},
            HEALTH,
        ],
    ),
    (
        "Channel partners",
        "channel",
        "40 3 * * *",
        "Market, sell and support: onboarding on time, MDF used, quarterly business reviews.",
        [
            {"kind": "onboarding_deadline", "params": {"days": 60}, "scope": {}},
            {"kind": "metric_threshold", "params": {"metric": "mdf_utilisation_pct", "operator": "lt", "value": 50,
             "window_days": 90, "aggregate": "latest", "outcome": "alert"}, "scope": {}},
            {"kind": "review_cadence", "params": {"every_days": 90, "review_kind": "business_review",
             "title": "Hold the quarterly business review"}, "scope": {}},
            HEALTH,
        ],
    ),
    (
        "Support partners",
        "support",
        "50 3 * * *",
        "Service quality: SLA compliance, customer satisfaction and a current support certificate.",
        [
            {"kind": "metric_threshold", "params": {"metric": "sla_compliance_pct", "operator": "lt", "value": 95,
             "window_days": 90, "aggregate": "average", "outcome": "task",
             "title": "Escalate SLA compliance below 95 %"}, "scope": {}},
            {"kind": "metric_threshold", "params": {"metric": "csat", "operator": "lt", "value": 4.0,
             "window_days": 90, "aggregate": "average", "outcome": "alert"}, "scope": {}},
            {"kind": "document_compliance", "params": {"required_kinds": ["support_certificate"]}, "scope": {}},
            HEALTH,
        ],
    ),
]  # fmt: skip


def seed(apps, schema_editor):
    Strategy = apps.get_model("programs", "Strategy")
    StrategyVersion = apps.get_model("programs", "StrategyVersion")
    for name, partner_type, schedule, note, rules in DEFAULTS:
        strategy, created = Strategy.objects.get_or_create(
            name=name, defaults={"partner_type": partner_type, "schedule": schedule}
        )
        if created:
            version = StrategyVersion.objects.create(strategy=strategy, number=1, rules=rules, note=note)
            strategy.current_version = version
            strategy.save(update_fields=["current_version"])


class Migration(migrations.Migration):
    dependencies = [("programs", "0001_strategies")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
