from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from partners.models import Partner
from partners.outbox.models import Event


class WebhookSubscription(models.Model):
    """A URL that receives the events matching ``event_types`` (names or wildcards such as
    ``partner.*``), signed with the subscription's secret.

    Staff subscriptions (``partner`` empty, managed by admins) receive every matching event; a
    partner-scoped one (created by a partner admin) receives only its own organisation's events,
    and only those a partner login may read. During a rotation ``previous_secret`` signs too,
    until ``previous_secret_expires_at``.
    """

    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    event_types = ArrayField(models.CharField(max_length=64), default=list)
    is_active = models.BooleanField(default=True)
    partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.CASCADE, related_name="webhook_subscriptions"
    )
    secret = models.CharField(max_length=100)
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    # set when every delivery failed for the whole retry schedule; a paused subscription is
    # skipped by the fan-out until an admin resumes it
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_reason = models.CharField(max_length=300, blank=True)
    # the first failure since the last success; None while deliveries succeed
    failing_since = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["partner", "-created_at"], name="webhook_sub_partner")]

    def __str__(self) -> str:
        return self.description or self.url


class WebhookDelivery(models.Model):
    """One event for one subscription: sent until the receiver answers 2xx or the retry
    schedule ends. The unique (subscription, event) pair makes the fan-out idempotent and every
    retry carry the event's one ``webhook-id``."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    # copied from the event so per-object order is kept without a join
    object_key = models.CharField(max_length=100)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    # a sender's lease: while in the future, another sender leaves the delivery alone
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event"], name="webhook_delivery_once"),
        ]
        indexes = [
            # the senders' queue: what is due, oldest event first
            models.Index(
                fields=["next_attempt_at", "event"], condition=Q(state="pending"), name="webhook_delivery_due"
            ),
            # per-object order: an earlier pending delivery of the same object holds later ones back
            models.Index(
                fields=["subscription", "object_key", "event"],
                condition=Q(state="pending"),
                name="webhook_delivery_object",
            ),
            models.Index(fields=["subscription", "-id"], name="webhook_delivery_sub"),
        ]

    def __str__(self) -> str:
        return f"delivery {self.pk} of event {self.event_id} to {self.subscription_id} ({self.state})"


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery, as the receiver answered it (or did not)."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    attempted_at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    response_body = models.CharField(max_length=2000, blank=True, help_text="The first 2,000 characters.")
    error = models.CharField(max_length=500, blank=True)
    # the headers sent, signature included, so an admin can check a receiver's verification
    request_headers = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-attempted_at", "-id"]
        indexes = [models.Index(fields=["delivery", "-attempted_at"], name="webhook_attempt_delivery")]

    def __str__(self) -> str:
        return f"attempt of delivery {self.delivery_id}: {self.status_code or self.error}"
