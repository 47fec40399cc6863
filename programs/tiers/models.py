"""Programs, their ranked tiers, and each partner's membership at a tier with its history.

A tier's requirements and benefits are plain columns so forms, the API and the evaluation read
the same validated values; how the tiers of a program must relate to each other (a higher rank
never asks less) is checked by ``programs.tiers.editing.check_tier_ladder`` when tiers are saved.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from partners.models import Partner


def validate_certified_counts(value) -> None:
    """``min_certified`` is {vertical slug: a whole number, zero or more}."""
    if not isinstance(value, dict):
        raise ValidationError('Give certified people per vertical, such as {"healthcare": 3}.')
    for slug, count in value.items():
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise ValidationError(f"The number of {slug}-certified people must be a whole number, zero or more.")


class Program(models.Model):
    """A partner program (e.g. "Channel Partner Program") for some partner types."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=60, unique=True, help_text="Names the program in strategy rules.")
    partner_types = ArrayField(
        models.CharField(max_length=16, choices=Partner.Type.choices),
        help_text="The partner types that may join the program.",
    )
    description = models.TextField(blank=True, max_length=4000)
    is_active = models.BooleanField(default=True)
    currency = models.CharField(max_length=3, default="EUR", help_text="Currency of revenue thresholds and MDF.")
    auto_upgrade = models.BooleanField(
        default=False, help_text="Move a partner up as soon as it meets a higher tier, instead of recommending it."
    )
    grace_days = models.PositiveSmallIntegerField(
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text="Days a member below its tier keeps it before a downgrade is proposed.",
    )
    requires_agreement = models.BooleanField(
        default=False, help_text="Partner portals open only after the partner accepted the current agreement."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Tier(models.Model):
    """A rank in a program: what it takes to hold it and what it gives."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="tiers")
    name = models.CharField(max_length=60)
    rank = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="1 is the entry tier; higher ranks are better.",
    )
    # requirements: null / empty means not required
    min_revenue = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)],
        help_text="Partner-sourced revenue (won deals) over the trailing 12 months, in the program's currency.",
    )  # fmt: skip
    min_won_deals = models.PositiveIntegerField(
        null=True, blank=True, help_text="Won deals over the trailing 12 months."
    )
    min_certified = models.JSONField(
        default=dict,
        blank=True,
        validators=[validate_certified_counts],
        help_text='Certified contacts required per vertical, e.g. {"healthcare": 3}.',
    )
    requires_agreement = models.BooleanField(default=False, help_text="A signed agreement in force.")
    min_health_score = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(100)], help_text="Minimum health score (0–100)."
    )
    # benefits
    discount_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    mdf_per_quarter = models.DecimalField(
        max_digits=14, decimal_places=2, default=0, validators=[MinValueValidator(0)],
        help_text="Market development funds per quarter, in the program's currency.",
    )  # fmt: skip
    deal_protection_days = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text="Overrides the partner type's deal protection days.",
    )  # fmt: skip
    lead_weight = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text="Overrides the engagement level's share in lead routing.",
    )  # fmt: skip

    class Meta:
        ordering = ["program_id", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["program", "rank"], name="tier_rank_unique"),
            models.UniqueConstraint(fields=["program", "name"], name="tier_name_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.program} · {self.name}"


class Membership(models.Model):
    """A partner in a program at a tier. ``state`` says whether it still meets its tier."""

    class State(models.TextChoices):
        OK = "ok", "Meets its tier"
        GRACE = "grace", "Grace period"
        PROPOSED_DOWNGRADE = "proposed_downgrade", "Downgrade proposed"

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="memberships")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="memberships")
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="memberships")
    since = models.DateField(help_text="When the partner reached its current tier.")
    state = models.CharField(max_length=20, choices=State.choices, default=State.OK)
    grace_started_on = models.DateField(null=True, blank=True)
    grace_until = models.DateField(null=True, blank=True)
    evaluated_on = models.DateField(null=True, blank=True, help_text="The day of the last full tier review.")
    recommended_tier = models.ForeignKey(
        Tier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The higher tier the last review recommended, until a manager applies it or it no longer holds.",
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["program_id", "partner_id"]
        constraints = [models.UniqueConstraint(fields=["partner", "program"], name="membership_one_per_program")]
        indexes = [
            models.Index(fields=["program", "tier"], name="membership_program_tier"),
            models.Index(fields=["tier", "partner"], name="membership_tier_partner"),
            models.Index(fields=["state"], name="membership_state", condition=~Q(state="ok")),
        ]

    def __str__(self) -> str:
        return f"{self.partner_id} in {self.program_id} at {self.tier_id}"


class TierChange(models.Model):
    """One move of a membership between tiers, kept for good: why, on what evidence, approved by whom."""

    class Direction(models.TextChoices):
        JOINED = "joined", "Joined"
        UPGRADE = "upgrade", "Upgrade"
        DOWNGRADE = "downgrade", "Downgrade"

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="changes")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+", db_index=False)
    from_tier = models.ForeignKey(Tier, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="+")
    direction = models.CharField(max_length=12, choices=Direction.choices)
    reason = models.TextField(max_length=2000)
    evidence = models.JSONField(default=dict, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["partner", "-created_at"], name="tier_change_partner")]

    def __str__(self) -> str:
        return f"{self.membership_id}: {self.from_tier_id} → {self.to_tier_id}"


class DowngradeProposal(models.Model):
    """A member still below its tier after the grace period: a manager approves or rejects moving it down."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"  # the member recovered or was moved otherwise

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="proposals")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+", db_index=False)
    from_tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="+")
    to_tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="+")
    evidence = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    reason = models.TextField(blank=True, max_length=2000, help_text="Why the manager decided as they did.")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["membership"], condition=Q(state="pending"), name="downgrade_one_pending_per_membership"
            )
        ]
        indexes = [
            models.Index(fields=["partner"], name="downgrade_partner"),
            models.Index(fields=["created_at"], name="downgrade_pending", condition=Q(state="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.membership_id}: {self.from_tier_id} → {self.to_tier_id} ({self.state})"
