"""The ``webhooks`` outbox channel: which subscriptions receive an event, and what they read.

``webhooks_fan_out(events)`` runs inside the dispatcher's transaction and writes one
``WebhookDelivery`` per (subscription, event) with a single INSERT whatever the number of
subscriptions and events (ON CONFLICT DO NOTHING on ``webhook_delivery_once``: a batch fanned
out twice writes nothing the second time), then queues the sender after commit.

Partner-scoped subscriptions are the partner portal's view of events, so they follow its rules:
their own organisation's events only, of the types a partner login may read, with staff-only
keys removed from the payload (``event_payload``, the one place that strips them).
"""

from __future__ import annotations

from django.db import connection

from partners.outbox.types import pattern_matches, register_event_type
from partners.webhooks.models import WebhookSubscription

CHANNEL = "webhooks"
TEST_EVENT_TYPE = "webhook.test"

# what a partner login may read, as patterns; ``outcome.*`` only when addressed to the partner
PARTNER_EVENT_PATTERNS = (
    "partner.*",
    "contact.*",
    "document.uploaded",
    "invitation.accepted",
    "user.deactivated",
    "outcome.*",
    "deal.*",
    "lead.*",
    "tier.changed",
    "tier.grace_started",
    "tier.grace_ended",
    "certification.*",
    "agreement.accepted",
    "onboarding.started",
    "onboarding.item_completed",
    "onboarding.completed",
    "onboarding.cancelled",
)
PARTNER_AUDIENCE_PATTERNS = ("outcome.*", "lead.*")
# payload keys only staff may read (who owns the partner, who a task is assigned to, who started
# a run, a rule's evidence, the other partners' registrations a deal overlaps, who created a lead,
# who approved a tier change)
STAFF_ONLY_KEYS = frozenset(
    {"partner_owner", "assignee", "started_by", "evidence", "owner", "conflicts", "created_by", "routing",
     "approved_by"}
)  # fmt: skip


def register_test_event_type() -> None:
    register_event_type(TEST_EVENT_TYPE, "A test delivery, sent from a subscription's page to one subscription.")


def partner_may_subscribe(event_type: str) -> bool:
    """Whether a partner-scoped subscription may list ``event_type`` (never ``run.*``)."""
    return any(pattern_matches(pattern, event_type) for pattern in PARTNER_EVENT_PATTERNS)


def partner_may_receive(event_type: str, data: dict) -> bool:
    """Whether a partner login may read an event of this type with this payload: the partner
    types, and outcomes and leads only when addressed to the partner (``data["audience"] ==
    "partner"``)."""
    if not partner_may_subscribe(event_type):
        return False
    if any(pattern_matches(pattern, event_type) for pattern in PARTNER_AUDIENCE_PATTERNS):
        return (data or {}).get("audience") == "partner"
    return True


def event_payload(event, *, partner_scoped: bool) -> dict:
    """The JSON object a subscription receives for ``event``: ``type``, ``timestamp`` (ISO 8601 of
    the event) and ``data``; for a partner-scoped subscription ``data`` loses STAFF_ONLY_KEYS
    (at any depth, so a nested snapshot cannot leak them either)."""
    data = _strip(event.data or {}) if partner_scoped else (event.data or {})
    return {"type": event.type, "timestamp": event.created_at.isoformat(), "data": data}


def _strip(value):
    if isinstance(value, dict):
        return {key: _strip(item) for key, item in value.items() if key not in STAFF_ONLY_KEYS}
    if isinstance(value, list):
        return [_strip(item) for item in value]
    return value


def object_key(event) -> str:
    """Deliveries of the same object to the same subscription go out in event order; a test
    event has no object and never waits behind another."""
    if event.type == TEST_EVENT_TYPE:
        return f"test:{event.uid.hex}"
    return f"{event.object_type}:{event.object_id}"[:100]


def subscription_receives(subscription, event) -> bool:
    """The routing rule, for one subscription and one event (the fan-out applies it to a batch)."""
    if event.type == TEST_EVENT_TYPE:
        return (event.data or {}).get("subscription") == subscription.pk
    if not subscription.is_active or subscription.paused_at is not None:
        return False
    if not any(pattern_matches(pattern, event.type) for pattern in subscription.event_types):
        return False
    if subscription.partner_id is None:
        return True
    return event.partner_id == subscription.partner_id and partner_may_receive(event.type, event.data)


def webhooks_fan_out(events: list) -> None:
    """Write the deliveries of a batch of events: one query reads the subscriptions that can
    receive anything (active and not paused, plus those a test event names), one INSERT … ON
    CONFLICT DO NOTHING writes every (subscription, event) pair, so the query count does not grow
    with the subscriptions or the events and a second fan-out of the same batch adds nothing.
    The sender is queued after commit (the beat sweep sends when the broker is down)."""
    tested = [(event.data or {}).get("subscription") for event in events if event.type == TEST_EVENT_TYPE]
    tested = [pk for pk in tested if isinstance(pk, int)]
    # a terminated partner's logins read nothing any more (Partner.objects.visible_to), nor do its hooks
    live = WebhookSubscription.objects.filter(is_active=True, paused_at__isnull=True).exclude(
        partner__status="terminated"
    )
    candidates = live | WebhookSubscription.objects.filter(pk__in=tested) if tested else live
    subscriptions = list(candidates.only("id", "partner_id", "event_types", "is_active", "paused_at").order_by("id"))
    pairs = [
        (subscription.pk, event.pk, object_key(event))
        for event in events
        for subscription in subscriptions
        if subscription_receives(subscription, event)
    ]
    if not pairs:
        return
    from partners.webhooks.models import WebhookDelivery

    table = WebhookDelivery._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table}  -- the model's table name, not input
                (subscription_id, event_id, object_key, state, attempts, next_attempt_at, created_at,
                 last_error)
            SELECT s, e, k, 'pending', 0, now(), now(), ''
            FROM unnest(%s::bigint[], %s::bigint[], %s::text[]) AS pairs (s, e, k)
            ORDER BY e, s
            ON CONFLICT ON CONSTRAINT webhook_delivery_once DO NOTHING
            """,  # noqa: S608
            [[p[0] for p in pairs], [p[1] for p in pairs], [p[2] for p in pairs]],
        )
        inserted = cursor.rowcount
    if inserted:
        from partners.webhooks.tasks import webhooks_send_task
        from prm.broker import enqueue_on_commit

        enqueue_on_commit(webhooks_send_task)
