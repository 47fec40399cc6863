"""Relationship records that strategy rules read: agreements, documents, reported metrics, reviews.

They belong to the ``partners`` app (``app_label``) and are imported at the end of
``partners/models.py`` so Django registers them. Writes go through ``partners.records.services``.
"""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q

METRIC_KEY_PATTERN = r"^[a-z][a-z0-9_]{0,49}$"


class Agreement(models.Model):
    """A contract with a partner; ``end_on`` null means open-ended."""

    class Kind(models.TextChoices):
        RESELLER = "reseller", "Reseller"
        REFERRAL = "referral", "Referral"
        TECHNOLOGY_ALLIANCE = "technology_alliance", "Technology alliance"
        SUPPORT_SERVICES = "support_services", "Support services"
        FINANCING = "financing", "Financing"
        NDA_MASTER = "nda_master", "Master NDA"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        EXPIRED = "expired", "Expired"
        TERMINATED = "terminated", "Terminated"

    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="agreements", db_index=False)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    title = models.CharField(max_length=200)
    start_on = models.DateField()
    end_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "partners"
        ordering = ["partner_id", "-start_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_on__isnull=True) | Q(end_on__gte=F("start_on")), name="agreement_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["partner", "status", "end_on"], name="agreement_partner_status_end")]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_kind_display()}, {self.status})"


class PartnerDocument(models.Model):
    """A compliance or certification document a partner supplied.

    The file is private: MEDIA_URL is not served, and a permission-checked download view reads
    it; the API never shows the file's URL or path.
    """

    class Kind(models.TextChoices):
        KYC = "kyc", "KYC"
        INSURANCE = "insurance", "Insurance certificate"
        NDA = "nda", "NDA"
        INTEGRATION_CERTIFICATE = "integration_certificate", "Integration certificate"
        SUPPORT_CERTIFICATE = "support_certificate", "Support certificate"
        DATA_PROCESSING_AGREEMENT = "data_processing_agreement", "Data processing agreement"

    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="documents", db_index=False)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to="partner-documents/%Y/%m/", max_length=255)
    issued_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    replaced_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replaces",
        help_text="The newer upload that supersedes this one; kept for the history, no longer current.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "partners"
        ordering = ["partner_id", "kind", "-created_at", "-id"]
        indexes = [models.Index(fields=["partner", "kind", "expires_on"], name="document_partner_kind_expiry")]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_kind_display()})"


class ReportedMetric(models.Model):
    """A figure a partner or an integration reported for a period (SLA %, CSAT, win rate …).

    One row per partner, key and period: reporting the same period again updates it.
    """

    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="metrics", db_index=False)
    key = models.CharField(
        max_length=50,
        validators=[RegexValidator(METRIC_KEY_PATTERN, "Lower-case letters, digits and underscores.")],
    )
    period_start = models.DateField()
    period_end = models.DateField()
    value = models.DecimalField(max_digits=12, decimal_places=4)
    source = models.CharField(max_length=50, blank=True, default="api")
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "partners"
        ordering = ["partner_id", "key", "-period_end", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "key", "period_start", "period_end"], name="metric_one_value_per_period"
            ),
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="metric_period_ordered"),
        ]
        indexes = [models.Index(fields=["partner", "key", "period_end"], name="metric_partner_key_end")]

    def __str__(self) -> str:
        return f"{self.key} = {self.value} ({self.period_start} – {self.period_end})"


class BusinessReview(models.Model):
    """A review meeting held with a partner; review-cadence rules look at the latest per kind."""

    class Kind(models.TextChoices):
        BUSINESS_REVIEW = "business_review", "Business review"
        STRATEGY_REVIEW = "strategy_review", "Strategy review"
        ROADMAP_REVIEW = "roadmap_review", "Roadmap review"
        PIPELINE_REVIEW = "pipeline_review", "Pipeline review"
        SERVICE_REVIEW = "service_review", "Service review"

    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="reviews", db_index=False)
    held_on = models.DateField()
    kind = models.CharField(max_length=24, choices=Kind.choices)
    attendees = models.CharField(max_length=500, blank=True)
    notes = models.TextField(blank=True, max_length=20000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "partners"
        ordering = ["partner_id", "-held_on", "-id"]
        indexes = [models.Index(fields=["partner", "kind", "held_on"], name="review_partner_kind_held")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.held_on}"
