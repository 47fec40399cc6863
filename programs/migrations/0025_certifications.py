"""Certification definitions and the certifications contacts hold; the daily announcement of
certifications about to expire; the channel default strategy checks coverage and expiry."""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

# --- the daily expiry announcement --------------------------------------------------------

SCHEDULE_NAME = "Announce certifications expiring within 30 days (certifications announce expiring)"


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    daily, _ = CrontabSchedule.objects.get_or_create(
        minute="15", hour="6", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(
        name=SCHEDULE_NAME,
        defaults={"task": "programs.certifications.certifications_announce_expiring", "crontab": daily},
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SCHEDULE_NAME).delete()


# --- the channel default strategy reads certifications ---------------------------------------

COVERAGE = {"kind": "certification_coverage", "params": {"own_verticals": 1}, "scope": {}}
EXPIRY = {"kind": "certification_expiry", "params": {"days_before": 60}, "scope": {}}
CERTIFICATION_KINDS = {COVERAGE["kind"], EXPIRY["kind"]}
NOTE = (
    "Certifications: an alert when a vertical the partner sells into has no certified contact, and a "
    "renewal notice to the partner and its manager 60 days before a certification expires."
)


def add_certification_rules(apps, schema_editor):
    """The channel default strategy gets both certification rules as its next version, unless a
    person has published it since the migrations did (``author`` set), or it has them already:
    so this runs in any order with the other migrations that amend the defaults."""
    Strategy = apps.get_model("programs", "Strategy")
    StrategyVersion = apps.get_model("programs", "StrategyVersion")
    strategy = Strategy.objects.filter(name="Channel partners").select_related("current_version").first()
    current = strategy.current_version if strategy else None
    if current is None or current.author_id is not None:
        return
    if any(rule.get("kind") in CERTIFICATION_KINDS for rule in current.rules):
        return
    version = StrategyVersion.objects.create(
        strategy=strategy, number=current.number + 1, rules=[*current.rules, COVERAGE, EXPIRY], note=NOTE
    )
    strategy.current_version = version
    strategy.save(update_fields=["current_version"])


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0020_program_activity_kinds"),
        ("programs", "0024_default_strategies_tier_evaluation"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.CreateModel(
            name="CertificationDefinition",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=120, unique=True)),
                (
                    "validity_months",
                    models.PositiveSmallIntegerField(
                        default=24,
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(120),
                        ],
                    ),
                ),
                ("description", models.TextField(blank=True, max_length=2000)),
                ("is_active", models.BooleanField(default=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "vertical",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="partners.vertical"
                    ),
                ),
            ],
            options={
                "ordering": ["name", "id"],
            },
        ),
        migrations.CreateModel(
            name="Certification",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("earned_on", models.DateField()),
                ("expires_on", models.DateField()),
                ("evidence", models.FileField(blank=True, max_length=255, upload_to="certifications/%Y/%m/")),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("pending", "Waiting for verification"),
                            ("verified", "Verified"),
                            ("rejected", "Rejected"),
                        ],
                        default="pending",
                        max_length=16,
                    ),
                ),
                (
                    "verified_at",
                    models.DateTimeField(blank=True, help_text="When it was verified or rejected.", null=True),
                ),
                ("rejection_reason", models.CharField(blank=True, max_length=500)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("expiry_announced_for", models.DateField(blank=True, null=True)),
                (
                    "contact",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="certifications",
                        to="partners.contact",
                    ),
                ),
                (
                    "partner",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="certifications",
                        to="partners.partner",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "verified_by",
                    models.ForeignKey(
                        blank=True,
                        help_text="Who verified or rejected it.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "definition",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="certifications",
                        to="programs.certificationdefinition",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.AddConstraint(
            model_name="certificationdefinition",
            constraint=models.CheckConstraint(
                condition=models.Q(("validity_months__gte", 1), ("validity_months__lte", 120)),
                name="certdef_validity_range",
            ),
        ),
        migrations.AddIndex(
            model_name="certification",
            index=models.Index(fields=["-created_at", "-id"], name="cert_recent"),
        ),
        migrations.AddIndex(
            model_name="certification",
            index=models.Index(fields=["partner", "-created_at", "-id"], name="cert_partner_recent"),
        ),
        migrations.AddIndex(
            model_name="certification",
            index=models.Index(fields=["contact", "-created_at"], name="cert_contact_recent"),
        ),
        migrations.AddIndex(
            model_name="certification",
            index=models.Index(fields=["state", "created_at", "id"], name="cert_state_time"),
        ),
        migrations.AddIndex(
            model_name="certification",
            index=models.Index(fields=["expires_on", "id"], name="cert_expiry"),
        ),
        migrations.AddIndex(
            model_name="certification",
            index=models.Index(fields=["partner", "expires_on"], name="cert_partner_expiry"),
        ),
        migrations.AddIndex(
            model_name="certification",
            index=models.Index(
                condition=models.Q(("state", "verified")), fields=["expires_on"], name="cert_verified_expiry"
            ),
        ),
        migrations.AddConstraint(
            model_name="certification",
            constraint=models.CheckConstraint(
                condition=models.Q(("expires_on__gt", models.F("earned_on"))), name="cert_expires_after_earned"
            ),
        ),
        migrations.AddConstraint(
            model_name="certification",
            constraint=models.UniqueConstraint(
                fields=("contact", "definition", "earned_on"), name="cert_once_per_earning"
            ),
        ),
        migrations.AddConstraint(
            model_name="certification",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("state", "rejected"), _negated=True),
                    models.Q(("rejection_reason", ""), _negated=True),
                    _connector="OR",
                ),
                name="cert_rejection_has_reason",
            ),
        ),
        migrations.RunPython(schedule, unschedule),
        migrations.RunPython(add_certification_rules, migrations.RunPython.noop),
    ]
