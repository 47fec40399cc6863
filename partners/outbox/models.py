import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Event(models.Model):
    """One thing that happened, written in the transaction of the change it describes.

    ``uid`` is the stable id every channel de-duplicates on (a webhook's ``webhook-id``, an
    in-app notification's source), whatever the number of times the event is fanned out.
    ``partner_id`` is the organisation the event concerns, or None for staff-only events; a
    partner-scoped channel only ever sees its own organisation's events.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(max_length=64)
    object_type = models.CharField(max_length=32)
    object_id = models.CharField(max_length=64)
    # a plain id, not a foreign key: events outlive what they describe, and partners are never
    # deleted (archived), so nothing needs to cascade
    partner_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    dispatch_attempts = models.PositiveSmallIntegerField(default=0)
    dispatch_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            # the dispatcher's and the sweep's queue: what has not been fanned out yet, in order
            models.Index(fields=["id"], condition=Q(dispatched_at__isnull=True), name="event_undispatched"),
            models.Index(fields=["created_at"], name="event_created"),
            models.Index(fields=["partner_id", "id"], name="event_partner"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.object_type}:{self.object_id} ({self.webhook_id})"

    @property
    def webhook_id(self) -> str:
        return f"msg_{self.uid.hex}"
