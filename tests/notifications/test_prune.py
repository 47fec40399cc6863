"""Old in-app notifications are forgotten after NOTIFICATIONS_RETENTION_DAYS."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from partners.notifications.models import Notification
from partners.notifications.services import notifications_prune
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _notification(user, *, age_days: int) -> Notification:
    return Notification.objects.create(
        user=user, event_uid=uuid.uuid4(), event_type="run.finished", category="runs", delivery="immediately",
        title=f"{age_days} days old", created_at=timezone.now() - timedelta(days=age_days),
    )  # fmt: skip


def test_the_nightly_prune_deletes_only_notifications_past_the_retention(settings):
    # given
    settings.NOTIFICATIONS_RETENTION_DAYS = 180
    user = UserFactory()
    old, recent = _notification(user, age_days=181), _notification(user, age_days=179)
    # when
    pruned = notifications_prune()
    again = notifications_prune()
    # then
    assert (pruned, again) == (1, 0)
    assert list(Notification.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not Notification.objects.filter(pk=old.pk).exists()
