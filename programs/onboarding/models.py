"""Agreement templates and their acceptances; onboarding checklists, per partner type, and each
partner's progress through one.

A template's text is never edited in place once published: a change is a new version, which
becomes the current one, so every acceptance keeps the exact text accepted (also snapshotted on
the acceptance) and a partner whose accepted version is no longer current must accept again.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from partners.models import Partner
from partners.records.models import Agreement
from programs.onboarding.text import placeholder_errors


class AgreementTemplate(models.Model):
    """One version of the agreement a partner type (in a region, or anywhere) accepts."""

    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=24, choices=Agreement.Kind.choices)
    partner_type = models.CharField(max_length=16, choices=Partner.Type.choices)
    region = models.ForeignKey(
        "partners.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Partners in this region or below it; empty for any region.",
    )
    body = models.TextField(
        max_length=50_000,
        help_text="Placeholders: {partner_name}, {partner_legal_name}, {partner_country}, {partner_type}, "
        "{date}, {valid_until}.",
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    is_current = models.BooleanField(default=True, help_text="The version partners accept now.")
    valid_months = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text="How long an acceptance is in force; empty for open-ended.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["partner_type", "region_id", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner_type", "region", "version"], nulls_distinct=False, name="agreement_template_version"
            ),
            models.UniqueConstraint(
                fields=["partner_type", "region"],
                condition=Q(is_current=True),
                nulls_distinct=False,
                name="agreement_template_one_current",
            ),
        ]
        indexes = [models.Index(fields=["partner_type", "is_current"], name="agreement_template_current")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def clean(self) -> None:
        errors = placeholder_errors(self.body)
        if errors:
            raise ValidationError({"body": errors})


class AgreementAcceptance(models.Model):
    """A partner admin accepted one version of its agreement: who, when, from where, what text."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="agreement_acceptances")
    template = models.ForeignKey(AgreementTemplate, on_delete=models.PROTECT, related_name="acceptances")
    agreement = models.OneToOneField(Agreement, on_delete=models.PROTECT, related_name="acceptance")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    typed_name = models.CharField(max_length=200)
    accepted_at = models.DateTimeField(default=timezone.now)
    ip = models.GenericIPAddressField(null=True, blank=True)
    text = models.TextField(help_text="The agreement as it read when it was accepted.")

    class Meta:
        ordering = ["-accepted_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["partner", "template"], name="agreement_accepted_once")]
        indexes = [models.Index(fields=["template"], name="agreement_acceptance_template")]

    def __str__(self) -> str:
        return f"{self.partner} accepted {self.template} on {self.accepted_at:%Y-%m-%d}"


class OnboardingTemplate(models.Model):
    """The checklist a new partner of one type works through."""

    name = models.CharField(max_length=120)
    partner_type = models.CharField(max_length=16, choices=Partner.Type.choices, unique=True)
    description = models.TextField(blank=True, max_length=4000)
    is_active = models.BooleanField(default=True, help_text="New onboarding partners of the type get this checklist.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["partner_type"]

    def __str__(self) -> str:
        return self.name


class OnboardingItem(models.Model):
    """One step of a checklist, due ``due_offset_days`` after the onboarding started; an automatic
    item completes itself when what it names has happened."""

    class Auto(models.TextChoices):
        NONE = "none", "Ticked by hand"
        AGREEMENT_ACCEPTED = "agreement_accepted", "Agreement accepted"
        COLLEAGUE_INVITED = "colleague_invited", "A colleague has a login"
        FIRST_CERTIFICATION = "first_certification", "First certification recorded"
        FIRST_DEAL = "first_deal", "First deal registered"

    template = models.ForeignKey(OnboardingTemplate, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=2000)
    due_offset_days = models.PositiveSmallIntegerField(
        default=14, validators=[MaxValueValidator(365)], help_text="Due this many days after onboarding starts."
    )
    auto = models.CharField(max_length=24, choices=Auto.choices, default=Auto.NONE)

    class Meta:
        ordering = ["template_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "auto"], condition=~Q(auto="none"), name="onboarding_item_one_auto_per_kind"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_automatic(self) -> bool:
        return self.auto != self.Auto.NONE


class Onboarding(models.Model):
    """A partner's way through its type's checklist, from entering status onboarding.

    At most one is in progress per partner (a partial unique constraint), which is what makes
    starting it from events and from the sweep safe to repeat.
    """

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="onboardings", db_index=False)
    template = models.ForeignKey(OnboardingTemplate, on_delete=models.PROTECT, related_name="onboardings")
    state = models.CharField(max_length=16, choices=State.choices, default=State.IN_PROGRESS)
    started_on = models.DateField()
    completed_at = models.DateTimeField(null=True, blank=True)
    # the latest due date of the overdue items the manager was told about (the sweep's claim)
    overdue_announced_through = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner"], condition=Q(state="in_progress"), name="onboarding_one_in_progress"
            ),
        ]
        indexes = [
            models.Index(fields=["partner", "-started_on"], name="onboarding_partner"),
            models.Index(fields=["state", "started_on"], name="onboarding_state_started"),
        ]

    def __str__(self) -> str:
        return f"Onboarding of {self.partner} ({self.state})"


class OnboardingStep(models.Model):
    """An item of an onboarding, completed: by hand (``completed_by``) or by itself."""

    onboarding = models.ForeignKey(Onboarding, on_delete=models.CASCADE, related_name="steps", db_index=False)
    item = models.ForeignKey(OnboardingItem, on_delete=models.CASCADE, related_name="+")
    completed_at = models.DateTimeField(default=timezone.now)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    automatic = models.BooleanField(default=False)

    class Meta:
        ordering = ["onboarding_id", "completed_at", "id"]
        constraints = [models.UniqueConstraint(fields=["onboarding", "item"], name="onboarding_step_once")]

    def __str__(self) -> str:
        return f"{self.item} done {self.completed_at:%Y-%m-%d}"
