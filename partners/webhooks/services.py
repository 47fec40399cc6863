"""Writes on webhook subscriptions and deliveries; every one keyword-only, with ``actor``.

Public names (the API and the pages build on these; keep them stable):

- ``subscription_create(*, actor, url, event_types, description="", is_active=True, partner_id=None)``
  -> WebhookSubscription (its ``secret`` is shown once by the caller)
- ``subscription_update(*, actor, subscription_id, url=None, event_types=None, description=None,
  is_active=None)`` -> WebhookSubscription (None leaves a field as it is)
- ``subscription_delete(*, actor, subscription_id)`` -> None
- ``subscription_rotate_secret(*, actor, subscription_id)`` -> WebhookSubscription (the new
  ``secret``, shown once; the previous one keeps signing for WEBHOOK_SECRET_ROTATION_HOURS)
- ``subscription_pause(*, actor, subscription_id, reason="")`` -> WebhookSubscription
- ``subscription_resume(*, actor, subscription_id)`` -> WebhookSubscription
- ``subscription_send_test(*, actor, subscription_id)`` -> Event (a ``webhook.test`` event
  through the outbox, delivered to this subscription only)
- ``delivery_redeliver(*, actor, delivery_id)`` -> WebhookDelivery (pending again, due now)
- ``deliveries_redeliver_since(*, actor, subscription_id, since)`` -> int (how many)

Errors: ``django.core.exceptions.ValidationError`` with field messages (``url``,
``event_types``), ``PermissionDenied`` when the actor's role may not manage webhooks, and
``WebhookSubscription.DoesNotExist`` / ``WebhookDelivery.DoesNotExist`` for anything the actor
cannot see (a 404, whoever owns it). Who may manage what: ``selectors.may_manage_webhooks`` and
``selectors.subscription_list``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from partners.outbox.models import Event
from partners.outbox.services import event_record
from partners.outbox.types import event_type_exists, pattern_is_valid
from partners.querysets import partner_id_of
from partners.webhooks.fanout import TEST_EVENT_TYPE, partner_may_subscribe
from partners.webhooks.models import WebhookDelivery, WebhookSubscription
from partners.webhooks.selectors import may_manage_webhooks, subscription_list
from partners.webhooks.signing import secret_new
from partners.webhooks.ssrf import UrlRefused, url_check

EVENT_TYPES_MAX = 50


def _check_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        raise ValidationError({"url": "Enter the URL that receives the events."})
    if len(url) > 2000:
        raise ValidationError({"url": "The URL is longer than 2,000 characters."})
    try:
        url_check(url)
    except UrlRefused as exc:
        raise ValidationError({"url": f"The URL {exc.message}"}) from None
    return url


def _check_event_types(event_types, *, partner_scoped: bool) -> list[str]:
    """Each pattern must name a known type (or ``object.*`` / ``*``); a partner-scoped
    subscription only types a partner login may read. Duplicates go, order stays."""
    if isinstance(event_types, str) or not event_types:
        raise ValidationError({"event_types": "Choose at least one event type."})
    patterns: list[str] = []
    for raw in event_types:
        pattern = str(raw).strip()
        if pattern == TEST_EVENT_TYPE or not pattern_is_valid(pattern):
            raise ValidationError({"event_types": f"unknown event type '{pattern}'"})
        if (
            partner_scoped
            and pattern not in ("*",)
            and event_type_exists(pattern)
            and not partner_may_subscribe(pattern)
        ):
            raise ValidationError({"event_types": f"event type '{pattern}' is not sent to partner subscriptions"})
        if partner_scoped and pattern.endswith(".*") and not partner_may_subscribe(pattern[:-1] + "x"):
            raise ValidationError({"event_types": f"event type '{pattern}' is not sent to partner subscriptions"})
        if pattern not in patterns:
            patterns.append(pattern)
    if len(patterns) > EVENT_TYPES_MAX:
        raise ValidationError({"event_types": f"Choose at most {EVENT_TYPES_MAX} event types."})
    return patterns


def _managed(*, actor, subscription_id: int, lock: bool = True) -> WebhookSubscription:
    """The subscription ``actor`` manages, locked; DoesNotExist (a 404) for anyone else's."""
    if not may_manage_webhooks(actor):
        raise PermissionDenied("Only administrators and partner admins manage webhooks.")
    rows = subscription_list(user=actor)
    if lock:
        rows = rows.select_for_update(of=("self",))
    return rows.get(pk=subscription_id)


@transaction.atomic
def subscription_create(
    *,
    actor,
    url: str,
    event_types: list[str],
    description: str = "",
    is_active: bool = True,
    partner_id: int | None = None,
) -> WebhookSubscription:
    """Subscribe ``url`` to ``event_types`` with a new ``whsec_`` secret (the caller shows it once).

    An administrator creates staff subscriptions (every matching event) or, naming
    ``partner_id``, one scoped to that partner; a partner admin's subscription is always scoped
    to its own organisation, whatever ``partner_id`` says. The URL passes the address guard now
    and again before every delivery.
    """
    if not may_manage_webhooks(actor):
        raise PermissionDenied("Only administrators and partner admins manage webhooks.")
    if not actor.is_staff:
        own = partner_id_of(actor)
        if partner_id is not None and partner_id != own:
            raise PermissionDenied("A partner admin subscribes for its own organisation only.")
        partner_id = own
    elif partner_id is not None:
        from partners.models import Partner

        if not Partner.objects.filter(pk=partner_id).exists():
            raise ValidationError({"partner": "Unknown partner."})
    subscription = WebhookSubscription.objects.create(
        url=_check_url(url),
        event_types=_check_event_types(event_types, partner_scoped=partner_id is not None),
        description=(description or "").strip()[:200],
        is_active=bool(is_active),
        partner_id=partner_id,
        secret=secret_new(),
        created_by=actor if actor.is_authenticated else None,
    )
    return subscription


@transaction.atomic
def subscription_update(
    *,
    actor,
    subscription_id: int,
    url: str | None = None,
    event_types: list[str] | None = None,
    description: str | None = None,
    is_active: bool | None = None,
) -> WebhookSubscription:
    """Change what is given (None leaves a field alone), the row locked. A new URL passes the
    address guard. Deliveries already written keep going to the subscription as it now is."""
    subscription = _managed(actor=actor, subscription_id=subscription_id)
    fields = ["updated_at"]
    if url is not None:
        subscription.url = _check_url(url)
        fields.append("url")
    if event_types is not None:
        subscription.event_types = _check_event_types(event_types, partner_scoped=subscription.partner_id is not None)
        fields.append("event_types")
    if description is not None:
        subscription.description = description.strip()[:200]
        fields.append("description")
    if is_active is not None:
        subscription.is_active = bool(is_active)
        fields.append("is_active")
    subscription.save(update_fields=fields)
    return subscription


@transaction.atomic
def subscription_delete(*, actor, subscription_id: int) -> None:
    """Delete the subscription with its deliveries and attempts (they cascade); a sender holding
    one of them finds it gone and records nothing."""
    subscription = _managed(actor=actor, subscription_id=subscription_id)
    subscription.delete()


@transaction.atomic
def subscription_rotate_secret(*, actor, subscription_id: int) -> WebhookSubscription:
    """A new secret (returned once, in ``secret``); the old one keeps signing next to it for
    WEBHOOK_SECRET_ROTATION_HOURS so receivers can switch without losing a delivery. A second
    rotation within the grace period drops the oldest secret."""
    subscription = _managed(actor=actor, subscription_id=subscription_id)
    subscription.previous_secret = subscription.secret
    subscription.previous_secret_expires_at = timezone.now() + timedelta(hours=settings.WEBHOOK_SECRET_ROTATION_HOURS)
    subscription.secret = secret_new()
    subscription.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"])
    return subscription


@transaction.atomic
def subscription_pause(*, actor, subscription_id: int, reason: str = "") -> WebhookSubscription:
    """Stop fanning events out to the subscription and hold its pending deliveries until it is
    resumed (a paused subscription misses the events of its pause)."""
    subscription = _managed(actor=actor, subscription_id=subscription_id)
    if subscription.paused_at is None:
        subscription.paused_at = timezone.now()
        subscription.paused_reason = (reason or "Paused by hand.")[:300]
        subscription.save(update_fields=["paused_at", "paused_reason", "updated_at"])
    return subscription


@transaction.atomic
def subscription_resume(*, actor, subscription_id: int) -> WebhookSubscription:
    """Receive events again; the failure streak starts afresh, and pending deliveries held by
    the pause go out (failed ones only through redelivery)."""
    subscription = _managed(actor=actor, subscription_id=subscription_id)
    subscription.paused_at = None
    subscription.paused_reason = ""
    subscription.failing_since = None
    subscription.save(update_fields=["paused_at", "paused_reason", "failing_since", "updated_at"])
    _queue_sender()
    return subscription


@transaction.atomic
def subscription_send_test(*, actor, subscription_id: int) -> Event:
    """Record a ``webhook.test`` event naming this subscription; it goes through the outbox like
    any other event and is delivered to this subscription only (paused or not, so a receiver
    can be tried before resuming)."""
    subscription = _managed(actor=actor, subscription_id=subscription_id, lock=False)
    return event_record(
        type=TEST_EVENT_TYPE,
        object_type="webhook_subscription",
        object_id=subscription.pk,
        partner_id=subscription.partner_id,
        data={"id": subscription.pk, "partner": subscription.partner_id, "subscription": subscription.pk, "test": True},
        actor=actor,
    )


@transaction.atomic
def delivery_redeliver(*, actor, delivery_id: int) -> WebhookDelivery:
    """Send one delivery again, now: pending, due at once, its attempts continuing (the same
    ``webhook-id``, so a receiver that has it already can ignore it)."""
    if not may_manage_webhooks(actor):
        raise PermissionDenied("Only administrators and partner admins manage webhooks.")
    visible = subscription_list(user=actor)
    delivery = (
        WebhookDelivery.objects.select_for_update(of=("self",)).filter(subscription__in=visible).get(pk=delivery_id)
    )
    delivery.state = WebhookDelivery.State.PENDING
    delivery.next_attempt_at = timezone.now()
    # a live lease stays: the sender holding it records its answer first, then this takes over
    delivery.save(update_fields=["state", "next_attempt_at"])
    _queue_sender()
    return delivery


@transaction.atomic
def deliveries_redeliver_since(*, actor, subscription_id: int, since: datetime) -> int:
    """Send again every delivery of the subscription whose event happened at or after ``since``
    (succeeded or failed alike), in event order; returns how many. One UPDATE."""
    subscription = _managed(actor=actor, subscription_id=subscription_id, lock=False)
    count = (
        WebhookDelivery.objects.filter(subscription=subscription, event__created_at__gte=since)
        .exclude(state=WebhookDelivery.State.PENDING)
        .update(state=WebhookDelivery.State.PENDING, next_attempt_at=timezone.now())
    )
    if count:
        _queue_sender()
    return count


def _queue_sender() -> None:
    from partners.webhooks.tasks import webhooks_send_task
    from prm.broker import enqueue_on_commit

    enqueue_on_commit(webhooks_send_task)
