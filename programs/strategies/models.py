"""Strategies, their immutable versions, runs and the outcomes and health scores they produce."""

from celery.schedules import crontab
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from partners.models import Partner


def validate_cron(value: str) -> None:
    """Five cron fields that Celery beat accepts."""
    parts = value.split()
    if len(parts) != 5:
        raise ValidationError("Five fields: minute hour day-of-month month day-of-week, e.g. “0 3 * * *”.")
    minute, hour, day_of_month, month_of_year, day_of_week = parts
    try:
        crontab(
            minute=minute, hour=hour, day_of_month=day_of_month, month_of_year=month_of_year, day_of_week=day_of_week
        )
    except (ValueError, TypeError, KeyError) as exc:
        raise ValidationError(f"Not a valid schedule: {exc}") from exc


class Strategy(models.Model):
    """How one kind of partnership is managed: a partner type, an optional narrower scope,
    a schedule, and the version of its rules that runs now."""

    name = models.CharField(max_length=120, unique=True)
    partner_type = models.CharField(max_length=16, choices=Partner.Type.choices)
    scope_verticals = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    scope_regions = ArrayField(models.CharField(max_length=16), default=list, blank=True)
    scope_engagement = ArrayField(models.CharField(max_length=16), default=list, blank=True)
    is_active = models.BooleanField(default=True)
    schedule = models.CharField(
        max_length=100,
        default="0 3 * * *",
        validators=[validate_cron],
        help_text="Cron expression (minute hour day month weekday), UTC.",
    )
    current_version = models.ForeignKey(
        "StrategyVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["partner_type", "name"]
        verbose_name_plural = "strategies"

    def __str__(self) -> str:
        return self.name


class StrategyVersion(models.Model):
    """An immutable, numbered list of rules; publishing an edit creates the next version, so
    every run and outcome keeps pointing at the rules that made it."""

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    rules = models.JSONField(help_text='[{"kind": ..., "params": {...}, "scope": {...}}, ...]')
    note = models.CharField(max_length=500, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["strategy_id", "-number"]
        constraints = [models.UniqueConstraint(fields=["strategy", "number"], name="strategy_version_number_unique")]

    def __str__(self) -> str:
        return f"{self.strategy} v{self.number}"


class StrategyRun(models.Model):
    """One execution of a version over the partners in scope, live or as a preview (dry run)."""

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Schedule"
        MANUAL = "manual", "Manual"
        EVENT = "event", "Event"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="runs")
    version = models.ForeignKey(StrategyVersion, on_delete=models.PROTECT, related_name="runs")
    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    partner_ids = ArrayField(models.BigIntegerField(), null=True, blank=True, help_text="Event runs: these only.")
    rules = models.JSONField(
        null=True, blank=True, help_text="A preview of an unpublished draft: these rules instead of the version's."
    )
    partners_total = models.PositiveIntegerField(default=0)
    partners_evaluated = models.PositiveIntegerField(default=0)
    outcomes_created = models.PositiveIntegerField(default=0)
    outcomes_unchanged = models.PositiveIntegerField(default=0)
    outcomes_closed = models.PositiveIntegerField(default=0)
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="Last progress; a stale one is resumed.")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["strategy", "-created_at"], name="run_strategy_time")]
        constraints = [
            # two "run now" clicks start one live run, not two
            models.UniqueConstraint(
                fields=["strategy"],
                condition=Q(status__in=["queued", "running"], dry_run=False, partner_ids__isnull=True),
                name="run_one_live_full_run_per_strategy",
            )
        ]

    def __str__(self) -> str:
        return f"run {self.pk} of {self.strategy} ({self.status})"


class RunChunk(models.Model):
    """A slice of a run's partners handled by one task; done chunks are skipped on redelivery."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Done"

    run = models.ForeignKey(StrategyRun, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    partner_ids = ArrayField(models.BigIntegerField())
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run_id", "index"]
        constraints = [models.UniqueConstraint(fields=["run", "index"], name="run_chunk_index_unique")]

    def __str__(self) -> str:
        return f"chunk {self.index} of run {self.run_id} ({self.status})"


class Outcome(models.Model):
    """What a rule concluded about one partner, with the figures that made it conclude so.

    ``dedupe_key`` is unique per strategy: a re-run, or a redelivered chunk, finds the
    open outcome and keeps it instead of creating it twice.
    """

    class Kind(models.TextChoices):
        TASK = "task", "Task"
        ALERT = "alert", "Alert"
        TIER_CHANGE = "tier_change", "Tier change"
        STATUS_CHANGE = "status_change", "Status change"
        NOTIFICATION = "notification", "Notification"
        SCORE = "score", "Score"

    class Audience(models.TextChoices):
        MANAGER = "manager", "Partner manager"
        PARTNER = "partner", "Partner"

    class State(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        DISMISSED = "dismissed", "Dismissed"
        APPLIED = "applied", "Applied"
        RESOLVED = "resolved", "Resolved"
        EXPIRED = "expired", "Expired"

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="outcomes")
    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="outcomes")
    version = models.ForeignKey(StrategyVersion, on_delete=models.PROTECT, related_name="outcomes")
    run = models.ForeignKey(StrategyRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="outcomes")
    rule_kind = models.CharField(max_length=40)
    rule_index = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    title = models.CharField(max_length=200)
    explanation = models.TextField()
    evidence = models.JSONField(default=dict, blank=True)
    audience = models.CharField(
        max_length=16,
        choices=Audience.choices,
        default=Audience.MANAGER,
        help_text="Who must act: the partner manager, or the partner (partner logins see only these).",
    )
    recommended_status = models.CharField(max_length=16, blank=True)
    due_on = models.DateField(null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="outcomes"
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    dedupe_key = models.CharField(max_length=200)
    note = models.TextField(blank=True, help_text="Why it was closed, by whom or by which run.")
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["strategy", "dedupe_key"], name="outcome_dedupe_per_strategy")]
        indexes = [
            # the inbox's order (outcome_list: due first, undated last, newest first), so a page of it
            # is read in order and the walk stops after the page: one's own (mine), everyone's
            models.Index(fields=["assignee", "state", "due_on", "-created_at", "-id"], name="outcome_inbox_mine"),
            models.Index(fields=["state", "due_on", "-created_at", "-id"], name="outcome_inbox_all"),
            # the inbox's "waiting on partners": open requests addressed to partners, in the same order
            models.Index(
                fields=["assignee", "due_on", "-created_at", "-id"],
                condition=Q(state="open", audience="partner"),
                name="outcome_waiting_mine",
            ),
            models.Index(
                fields=["due_on", "-created_at", "-id"],
                condition=Q(state="open", audience="partner"),
                name="outcome_waiting_all",
            ),
            models.Index(fields=["partner", "state"], name="outcome_partner_state"),
            models.Index(fields=["strategy", "state"], name="outcome_strategy_state"),
        ]

    def __str__(self) -> str:
        return self.title


class PreviewEntry(models.Model):
    """A preview's stored result: what a version would create, keep or close (nothing else changes)."""

    class Action(models.TextChoices):
        CREATE = "create", "Create"
        KEEP = "keep", "Keep"
        CLOSE = "close", "Close"

    run = models.ForeignKey(StrategyRun, on_delete=models.CASCADE, related_name="preview_entries")
    action = models.CharField(max_length=8, choices=Action.choices)
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+")
    rule_kind = models.CharField(max_length=40)
    kind = models.CharField(max_length=16, choices=Outcome.Kind.choices)
    title = models.CharField(max_length=200)
    explanation = models.TextField()
    dedupe_key = models.CharField(max_length=200)

    class Meta:
        ordering = ["run_id", "action", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "dedupe_key", "action"], name="preview_entry_unique_per_run")
        ]

    def __str__(self) -> str:
        return f"{self.action}: {self.title}"


class HealthScore(models.Model):
    """A partner's 0-100 score for one day, kept as a time series for trend charts."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="health_scores", db_index=False)
    day = models.DateField()
    score = models.PositiveSmallIntegerField()
    components = models.JSONField(default=dict, blank=True)
    strategy = models.ForeignKey(Strategy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["partner_id", "day"]
        constraints = [models.UniqueConstraint(fields=["partner", "day"], name="health_score_one_per_day")]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.day}: {self.score}"
