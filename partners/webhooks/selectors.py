"""Reads of webhook subscriptions and deliveries shaped for the API and the pages.

Public names (keep them stable):

- ``may_manage_webhooks(user)`` -> bool: administrators (every subscription) and partner admins
  (their organisation's) manage webhooks; nobody else sees any.
- ``subscription_list(*, user)`` -> QuerySet[WebhookSubscription]: the subscriptions ``user``
  manages, newest first, partner joined.
- ``subscription_get(*, user, subscription_id)`` -> WebhookSubscription (DoesNotExist -> 404).
- ``subscriptions_paused(*, user)`` -> QuerySet[WebhookSubscription]: paused ones, for the
  admins' warning.
- ``delivery_list(*, user, subscription_id, state=None)`` -> QuerySet[WebhookDelivery]: newest
  first, event joined (type, webhook id); empty for a subscription ``user`` cannot see.
- ``delivery_get(*, user, delivery_id)`` -> WebhookDelivery with ``attempts_shown`` (its attempts
  newest first) and its event and subscription joined (DoesNotExist -> 404).
- ``webhook_event_types(*, user)`` -> dict[str, str]: the event types ``user`` may subscribe to
  and what each means (partner admins: those a partner login may read).
"""

from __future__ import annotations

from django.db.models import QuerySet

from partners.outbox.types import event_types
from partners.roles import Role, role_of
from partners.webhooks.fanout import TEST_EVENT_TYPE, partner_may_subscribe
from partners.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription

# how many attempts a delivery's page shows (the schedule has eleven at most, redeliveries add more)
ATTEMPTS_SHOWN = 50


def may_manage_webhooks(user) -> bool:
    """Administrators manage every subscription, partner admins their own organisation's."""
    if not (user.is_authenticated and user.is_active):
        return False
    return role_of(user) in (Role.ADMIN, Role.PARTNER_ADMIN)


def subscription_list(*, user) -> QuerySet[WebhookSubscription]:
    """The subscriptions ``user`` manages, newest first, partner joined: an administrator's are all
    of them (staff and partner-scoped), a partner admin's its organisation's; none for anyone
    else. Secrets are loaded too: the services sign with them, the pages never show them."""
    rows = WebhookSubscription.objects.select_related("partner").order_by("-created_at", "-id")
    if not may_manage_webhooks(user):
        return rows.none()
    if user.is_staff:
        return rows
    from partners.querysets import partner_id_of

    return rows.filter(partner_id=partner_id_of(user), partner__isnull=False).exclude(partner__status="terminated")


def subscription_get(*, user, subscription_id: int) -> WebhookSubscription:
    """One subscription ``user`` manages, or WebhookSubscription.DoesNotExist (a 404)."""
    return subscription_list(user=user).get(pk=subscription_id)


def subscriptions_paused(*, user) -> QuerySet[WebhookSubscription]:
    """Subscriptions paused because every delivery failed for the whole retry schedule (or by
    hand), newest pause first: what the admins' pages warn about."""
    return subscription_list(user=user).filter(paused_at__isnull=False).order_by("-paused_at", "-id")


def delivery_list(*, user, subscription_id: int, state: str | None = None) -> QuerySet[WebhookDelivery]:
    """A subscription's deliveries newest first, the event joined (type, ``webhook_id``, when);
    empty for a subscription ``user`` cannot see. ``state`` filters (pending, succeeded, failed)."""
    visible = subscription_list(user=user).filter(pk=subscription_id)
    rows = (
        WebhookDelivery.objects.filter(subscription__in=visible)
        .select_related("event")
        .defer("event__data")
        .order_by("-id")
    )
    if state:
        rows = rows.filter(state=state)
    return rows


def delivery_get(*, user, delivery_id: int) -> WebhookDelivery:
    """One delivery ``user`` may see with its event, subscription and ``attempts_shown`` (newest
    first, at most ATTEMPTS_SHOWN): three queries. WebhookDelivery.DoesNotExist otherwise."""
    visible = subscription_list(user=user)
    attempts = WebhookAttempt.objects.order_by("-attempted_at", "-id")
    delivery = (
        WebhookDelivery.objects.filter(subscription__in=visible)
        .select_related("event", "subscription", "subscription__partner")
        .get(pk=delivery_id)
    )
    delivery.attempts_shown = list(attempts.filter(delivery=delivery)[:ATTEMPTS_SHOWN])
    return delivery


def webhook_event_types(*, user) -> dict[str, str]:
    """The event types ``user`` may subscribe to, by name, with what each means: every type for
    an administrator, those a partner login may read for a partner admin (``outcome.*`` arrive
    only when addressed to the partner), none for anyone else. ``webhook.test`` is not one:
    it is sent by the "send test event" button only."""
    if not may_manage_webhooks(user):
        return {}
    types = {name: text for name, text in event_types().items() if name != TEST_EVENT_TYPE}
    if user.is_staff:
        return types
    return {name: text for name, text in types.items() if partner_may_subscribe(name)}
