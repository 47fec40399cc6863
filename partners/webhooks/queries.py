"""Reads the API and the pages need beyond ``partners.webhooks.selectors``: a page of deliveries
with each one's attempts, and each subscription's last delivery for the list page."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import OuterRef, QuerySet, Subquery

from partners.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from partners.webhooks.selectors import ATTEMPTS_SHOWN


def with_attempts(deliveries: Iterable[WebhookDelivery]) -> list[WebhookDelivery]:
    """The deliveries with ``attempts_shown`` (newest first, at most ATTEMPTS_SHOWN each), read in
    one query for the whole page, so a page costs the same whatever its size."""
    deliveries = list(deliveries)
    by_delivery: dict[int, list[WebhookAttempt]] = defaultdict(list)
    if deliveries:
        attempts = WebhookAttempt.objects.filter(delivery__in=[delivery.pk for delivery in deliveries]).order_by(
            "delivery_id", "-attempted_at", "-id"
        )
        for attempt in attempts:
            shown = by_delivery[attempt.delivery_id]
            if len(shown) < ATTEMPTS_SHOWN:
                shown.append(attempt)
    for delivery in deliveries:
        delivery.attempts_shown = by_delivery.get(delivery.pk, [])
    return deliveries


def with_last_delivery(subscriptions: QuerySet[WebhookSubscription]) -> list[WebhookSubscription]:
    """The subscriptions with ``last_delivery`` (their newest delivery, event joined, or None): the
    newest id per subscription is one index probe each (webhook_delivery_sub) in the list's own
    query, then one query reads those deliveries, whatever the number of rows."""
    newest = WebhookDelivery.objects.filter(subscription=OuterRef("pk")).order_by("-id").values("id")[:1]
    rows = list(subscriptions.annotate(last_delivery_id=Subquery(newest)))
    ids = [row.last_delivery_id for row in rows if row.last_delivery_id is not None]
    last = (
        {delivery.pk: delivery for delivery in WebhookDelivery.objects.filter(pk__in=ids).select_related("event")}
        if ids
        else {}
    )
    for row in rows:
        row.last_delivery = last.get(row.last_delivery_id)
    return rows
