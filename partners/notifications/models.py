"""In-app notifications, each user's delivery choices, daily digests, bounced addresses, and the
durable queue of outgoing e-mail every part of the site sends through (prm.mail)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Delivery(models.TextChoices):
    IMMEDIATELY = "immediately", "Immediately"
    DIGEST = "digest", "Daily digest"
    OFF = "off", "Off"


class Notification(models.Model):
    """One event told to one user, written by the fan-out of the ``notifications`` channel.

    ``event_uid`` is the outbox event's stable id, not a foreign key: a notification outlives the
    event's retention, and (user, event_uid) is unique, so a batch fanned out twice writes one row.
    Title, body and link are a snapshot taken at fan-out, so the list reads one table.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    event_uid = models.UUIDField()
    event_type = models.CharField(max_length=64)
    category = models.CharField(max_length=40)
    delivery = models.CharField(max_length=16, choices=Delivery.choices)
    partner_id = models.BigIntegerField(null=True, blank=True)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=500, blank=True, help_text="A path on this site (no host).")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    digest = models.ForeignKey("Digest", null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications")

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["user", "event_uid"], name="notification_once_per_event")]
        indexes = [
            # the list, newest first, and its unread filter / the navbar's count
            models.Index(fields=["user", "-id"], name="notification_user_recent"),
            models.Index(fields=["user", "-id"], condition=Q(read_at__isnull=True), name="notification_user_unread"),
            # the digest job's queue: digest notifications not in a digest yet
            models.Index(
                fields=["user", "id"],
                condition=Q(delivery="digest", digest__isnull=True),
                name="notification_digest_pending",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """A user's choice for one category; a category without a row gets its default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    category = models.CharField(max_length=40)
    delivery = models.CharField(max_length=16, choices=Delivery.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user_id", "category"]
        constraints = [models.UniqueConstraint(fields=["user", "category"], name="notification_preference_once")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.category}: {self.delivery}"


class NotificationSchedule(models.Model):
    """When a user's daily digest goes out: the hour on the user's own clock (IANA time zone)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="notification_schedule"
    )
    digest_hour = models.PositiveSmallIntegerField(validators=[MaxValueValidator(23)])
    time_zone = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.digest_hour:02d}:00 {self.time_zone}"


class Digest(models.Model):
    """One user's digest for one day of the user's calendar, claimed before it is sent.

    The unique (user, local_date) makes a double beat, a retry or two workers at once send one
    digest per user per day: the second claim finds the row and sends nothing.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_digests")
    local_date = models.DateField()
    notification_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-local_date", "user_id"]
        constraints = [models.UniqueConstraint(fields=["user", "local_date"], name="digest_once_per_day")]

    def __str__(self) -> str:
        return f"digest {self.user_id} {self.local_date}"


class EmailBounce(models.Model):
    """An address the mail provider reported as undeliverable: notification mail skips it."""

    class Source(models.TextChoices):
        ADMIN = "admin", "Admin site"
        API = "api", "API"

    email = models.EmailField(max_length=254, unique=True, help_text="Stored in lower case.")
    reason = models.CharField(max_length=300, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.ADMIN)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return self.email


class OutgoingEmail(models.Model):
    """One e-mail waiting to be sent, written in the transaction that decided to send it.

    ``payload`` is ``prm.mail.email_serialize``'s; ``key`` is unique, so queueing the same message
    twice writes one row, and a sender claims a row (a conditional UPDATE on ``attempts``) before
    sending, so two senders never send it twice. A row left pending (broker down, worker killed,
    SMTP failing) is sent by the sweep once ``next_attempt_at`` has passed.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        SUPPRESSED = "suppressed", "Suppressed"
        FAILED = "failed", "Failed"

    key = models.CharField(max_length=100, unique=True)
    payload = models.JSONField()
    to = models.CharField(max_length=254, blank=True, help_text="The first recipient, for searching.")
    subject = models.CharField(max_length=300, blank=True)
    category = models.CharField(max_length=40, blank=True, help_text="Notification category; blank for account mail.")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(state="pending"), name="outgoing_email_due"),
            models.Index(fields=["to"], name="outgoing_email_to"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to} ({self.state})"
