"""Certifications per vertical: what a certification is (a definition, valid for some months) and
which of a partner's contacts hold one, with the evidence and the manager's verification."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from partners.models import Contact, Partner, Vertical

MIN_VALIDITY_MONTHS = 1
MAX_VALIDITY_MONTHS = 120
EXPIRY_NOTICE_DAYS = 30  # a verified certification expiring this soon is announced and shown as expiring


class CertificationDefinition(models.Model):
    """A certification a contact can earn, in one vertical, valid for ``validity_months``.

    Administrators keep the catalogue; an inactive definition stays on the certifications earned
    under it but is no longer offered when one is recorded.
    """

    name = models.CharField(max_length=120, unique=True)
    vertical = models.ForeignKey(Vertical, on_delete=models.PROTECT, related_name="+")
    validity_months = models.PositiveSmallIntegerField(
        default=24, validators=[MinValueValidator(MIN_VALIDITY_MONTHS), MaxValueValidator(MAX_VALIDITY_MONTHS)]
    )
    description = models.TextField(blank=True, max_length=2000)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(validity_months__gte=MIN_VALIDITY_MONTHS, validity_months__lte=MAX_VALIDITY_MONTHS),
                name="certdef_validity_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.vertical_id})"


class Certification(models.Model):
    """A certification one of a partner's contacts holds, waiting for, or given, a manager's decision.

    ``partner`` repeats the contact's partner so every read is scoped (and indexed) by it without a
    join. Only a verified certification that has not expired makes its holder certified (tier
    requirements, coverage rules); ``expiry_announced_for`` is the expiry day already announced, so
    the daily job announces each expiry once, and a renewed date announces anew.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for verification"
        VERIFIED = "verified", "Verified"
        REJECTED = "rejected", "Rejected"

    TRANSITIONS: dict[str, frozenset[str]] = {
        State.PENDING: frozenset({State.VERIFIED, State.REJECTED}),
        State.VERIFIED: frozenset(),
        State.REJECTED: frozenset(),
    }

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="certifications", db_index=False)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="certifications", db_index=False)
    definition = models.ForeignKey(CertificationDefinition, on_delete=models.PROTECT, related_name="certifications")
    earned_on = models.DateField()
    expires_on = models.DateField()
    # private like partners' documents: served only by a permission-checked download view
    evidence = models.FileField(upload_to="certifications/%Y/%m/", max_length=255, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who verified or rejected it.",
    )
    verified_at = models.DateTimeField(null=True, blank=True, help_text="When it was verified or rejected.")
    rejection_reason = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expiry_announced_for = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # the lists: newest first, of a partner, of a contact, by state (the queue oldest first)
            models.Index(fields=["-created_at", "-id"], name="cert_recent"),
            models.Index(fields=["partner", "-created_at", "-id"], name="cert_partner_recent"),
            models.Index(fields=["contact", "-created_at"], name="cert_contact_recent"),
            models.Index(fields=["state", "created_at", "id"], name="cert_state_time"),
            models.Index(fields=["expires_on", "id"], name="cert_expiry"),
            # the strategy facts: a batch of partners' certifications not long expired
            models.Index(fields=["partner", "expires_on"], name="cert_partner_expiry"),
            # the daily announcement: verified certifications expiring soon
            models.Index(fields=["expires_on"], name="cert_verified_expiry", condition=Q(state="verified")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(expires_on__gt=F("earned_on")), name="cert_expires_after_earned"),
            models.UniqueConstraint(fields=["contact", "definition", "earned_on"], name="cert_once_per_earning"),
            models.CheckConstraint(
                condition=~Q(state="rejected") | ~Q(rejection_reason=""), name="cert_rejection_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.definition_id} held by contact {self.contact_id} ({self.state})"

    def can_move_to(self, state: str) -> bool:
        return state in self.TRANSITIONS[self.state]

    def is_current(self, today) -> bool:
        """Verified and valid through its expiry day (as the strategy facts say)."""
        return self.state == self.State.VERIFIED and self.expires_on >= today
