"""The webhooks channel: who receives which event, written set-based and once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from partners.outbox.services import EventDraft, event_record, events_record
from partners.webhooks.fanout import STAFF_ONLY_KEYS, event_payload, partner_may_subscribe, webhooks_fan_out
from partners.webhooks.models import WebhookDelivery
from tests.partners.factories import PartnerFactory
from tests.webhooks.factories import SubscriptionFactory

pytestmark = pytest.mark.django_db


def _events(count, *, type="partner.updated", partner_id=None, data=None):
    return events_record(
        [
            EventDraft(
                type=type,
                object_type=type.split(".")[0],
                object_id=index,
                partner_id=partner_id,
                data={"id": index, "partner": partner_id, **(data or {})},
            )
            for index in range(count)
        ]
    )


def _received(subscription) -> set[str]:
    return set(WebhookDelivery.objects.filter(subscription=subscription).values_list("event__type", flat=True))


@pytest.mark.parametrize("subscriptions", [1, 20])
def test_fan_out_costs_the_same_queries_for_1_or_20_subscriptions(subscriptions):
    # given
    SubscriptionFactory.create_batch(subscriptions, event_types=["partner.*"])
    events = _events(30)
    # when
    with CaptureQueriesContext(connection) as queries:
        webhooks_fan_out(events)
    # then: the subscriptions read once, every delivery written by one INSERT
    assert len(queries) == 2, [q["sql"] for q in queries]
    assert WebhookDelivery.objects.count() == subscriptions * 30


def test_fan_out_twice_writes_each_delivery_once():
    # given
    subscription = SubscriptionFactory(event_types=["*"])
    events = _events(3)
    # when
    webhooks_fan_out(events)
    webhooks_fan_out(events)
    # then
    assert WebhookDelivery.objects.filter(subscription=subscription).count() == 3
    assert set(WebhookDelivery.objects.values_list("object_key", flat=True)) == {"partner:0", "partner:1", "partner:2"}


def test_patterns_match_names_and_wildcards():
    # given
    everything = SubscriptionFactory(event_types=["*"])
    partners = SubscriptionFactory(event_types=["partner.*"])
    one = SubscriptionFactory(event_types=["contact.created"])
    events = [
        *_events(1, type="partner.created"),
        *_events(1, type="contact.created"),
        *_events(1, type="contact.updated"),
        *_events(1, type="run.finished"),
    ]
    # when
    webhooks_fan_out(events)
    # then
    assert _received(everything) == {"partner.created", "contact.created", "contact.updated", "run.finished"}
    assert _received(partners) == {"partner.created"}
    assert _received(one) == {"contact.created"}


def test_inactive_and_paused_subscriptions_receive_nothing():
    # given
    inactive = SubscriptionFactory(event_types=["*"], is_active=False)
    paused = SubscriptionFactory(event_types=["*"], paused_at=timezone.now())
    # when
    webhooks_fan_out(_events(2))
    # then
    assert not _received(inactive) and not _received(paused)


def test_a_partner_subscription_receives_its_own_partners_readable_events_only():
    # given
    alpha, bravo = PartnerFactory(), PartnerFactory()
    staff = SubscriptionFactory(event_types=["*"])
    mine = SubscriptionFactory(event_types=["*"], partner=alpha)
    # when
    events = [
        *_events(1, type="partner.updated", partner_id=alpha.pk),
        *_events(1, type="contact.created", partner_id=bravo.pk),
        *_events(1, type="outcome.created", partner_id=alpha.pk, data={"audience": "manager"}),
        *_events(1, type="outcome.closed", partner_id=bravo.pk, data={"audience": "partner"}),
        *_events(1, type="document.uploaded", partner_id=alpha.pk),
        *_events(1, type="run.finished", partner_id=None),
    ]
    outcome = event_record(
        type="outcome.created",
        object_type="outcome",
        object_id=99,
        partner_id=alpha.pk,
        data={"id": 99, "partner": alpha.pk, "audience": "partner", "assignee": 5, "partner_owner": 6},
    )
    webhooks_fan_out([*events, outcome])
    # then: staff see all; alpha's subscription never bravo's events, manager outcomes or runs
    assert WebhookDelivery.objects.filter(subscription=staff).count() == 7
    assert set(WebhookDelivery.objects.filter(subscription=mine).values_list("event__type", "event__partner_id")) == {
        ("partner.updated", alpha.pk),
        ("outcome.created", alpha.pk),
        ("document.uploaded", alpha.pk),
    }
    assert WebhookDelivery.objects.get(subscription=mine, event__type="outcome.created").event_id == outcome.pk


def test_a_partner_subscription_reads_no_staff_only_keys_and_staff_read_them_all():
    # given
    event = event_record(
        type="outcome.created",
        object_type="outcome",
        object_id=1,
        partner_id=1,
        data={
            "id": 1,
            "partner": 1,
            "audience": "partner",
            "title": "Upload your NDA",
            "assignee": 4,
            "partner_owner": 5,
            "started_by": 6,
            "owner": 7,
            "evidence": {"days": 3},
            "conflicts": [8],
            "created_by": 9,
            "routing": [{"partner": 10}],
            "approved_by": 11,
            "changes": {"owner": {"from": 1, "to": 2}, "name": {"from": "a", "to": "b"}},
        },
    )
    # when
    partner_view = event_payload(event, partner_scoped=True)
    staff_view = event_payload(event, partner_scoped=False)
    # then
    assert partner_view == {
        "type": "outcome.created",
        "timestamp": event.created_at.isoformat(),
        "data": {
            "id": 1,
            "partner": 1,
            "audience": "partner",
            "title": "Upload your NDA",
            "changes": {"name": {"from": "a", "to": "b"}},
        },
    }
    assert set(staff_view["data"]) >= STAFF_ONLY_KEYS


def test_a_test_event_goes_to_the_subscription_it_names_only():
    # given
    named = SubscriptionFactory(event_types=["partner.created"], paused_at=timezone.now())
    other = SubscriptionFactory(event_types=["*"])
    event = event_record(
        type="webhook.test",
        object_type="webhook_subscription",
        object_id=named.pk,
        partner_id=None,
        data={"id": named.pk, "partner": None, "subscription": named.pk},
    )
    # when
    webhooks_fan_out([event])
    # then
    assert _received(named) == {"webhook.test"} and not _received(other)


def test_a_terminated_partners_subscription_receives_nothing():
    # given
    partner = PartnerFactory(status="terminated")
    subscription = SubscriptionFactory(event_types=["*"], partner=partner)
    # when
    webhooks_fan_out(_events(2, partner_id=partner.pk))
    # then
    assert not _received(subscription)


def test_partners_may_follow_their_tier_but_not_the_managers_downgrade_decisions():
    assert all(partner_may_subscribe(t) for t in ("tier.changed", "tier.grace_started", "tier.grace_ended"))
    assert not any(partner_may_subscribe(t) for t in ("tier.downgrade_proposed", "tier.downgrade_decided"))
