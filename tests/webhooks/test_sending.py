"""Deliveries against real loopback receivers: answers, retries, timeouts, order, pause."""

import time
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from partners.webhooks.models import WebhookAttempt, WebhookDelivery
from partners.webhooks.sending import RETRY_SCHEDULE, retry_delay, webhooks_send, webhooks_sweep
from partners.webhooks.services import deliveries_redeliver_since, delivery_redeliver
from tests.factories import UserFactory
from tests.webhooks.conftest import Reply
from tests.webhooks.factories import SubscriptionFactory
from tests.webhooks.helpers import record

pytestmark = pytest.mark.django_db


def test_a_2xx_answer_delivers_and_is_recorded(receiver, open_guard):
    # given
    receiver.reply = Reply(status=204, body=b"")
    subscription = SubscriptionFactory(url=receiver.url, event_types=["*"], failing_since=timezone.now())
    event = record("partner.created", object_id=1)
    # when
    sent = webhooks_send()
    # then
    assert sent == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status_code, delivery.claimed_until) == (
        "succeeded",
        1,
        204,
        None,
    )
    assert delivery.delivered_at is not None
    attempt = WebhookAttempt.objects.get()
    assert (attempt.status_code, attempt.error) == (204, "")
    assert attempt.request_headers["webhook-id"] == event.webhook_id
    assert receiver.received[0].headers["webhook-id"] == event.webhook_id
    assert receiver.received[0].headers["Content-Type"] == "application/json"
    subscription.refresh_from_db()
    assert subscription.failing_since is None  # any success ends the failure streak


def test_the_retry_schedule_backs_off_then_fails_and_pauses_the_subscription(receiver, open_guard):
    # given: a receiver that always answers 500
    receiver.reply = Reply(status=500, body=b"boom")
    subscription = SubscriptionFactory(url=receiver.url, event_types=["*"])
    event = record("partner.created", object_id=1)
    start = timezone.now()
    waits = []
    # when: each retry is sent once its wait is over
    with time_machine.travel(start, tick=True) as clock:
        for _ in range(len(RETRY_SCHEDULE) + 1):
            before = timezone.now()
            assert webhooks_send() == 1
            assert webhooks_send() == 0  # nothing is due before the wait is over
            delivery = WebhookDelivery.objects.get()
            if delivery.state == "pending":
                waits.append(delivery.next_attempt_at - before)
                clock.move_to(delivery.next_attempt_at + timedelta(seconds=1))
    # then: eleven attempts, each wait the schedule's within the jitter, then failed
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("failed", 11, 500)
    assert len(waits) == len(RETRY_SCHEDULE)
    for wait, expected in zip(waits, RETRY_SCHEDULE, strict=True):
        assert expected * 0.89 <= wait <= expected * 1.11
    assert WebhookAttempt.objects.count() == 11
    assert {a.response_body for a in WebhookAttempt.objects.all()} == {"boom"}
    assert {r.headers["webhook-id"] for r in receiver.received} == {event.webhook_id}
    subscription.refresh_from_db()
    assert subscription.paused_at is not None and "three days" in subscription.paused_reason
    # and: a paused subscription receives no new events
    record("partner.created", object_id=2)
    assert WebhookDelivery.objects.count() == 1


def test_a_failing_subscription_is_not_paused_while_a_success_came_in_between(receiver, open_guard):
    # given: the first event's deliveries all fail; another event succeeds on day two, so the
    # failures after it last less than three days
    subscription = SubscriptionFactory(url=receiver.url, event_types=["*"])
    receiver.reply = lambda request: Reply(status=200 if request.json["data"]["id"] == 2 else 500)
    record("partner.created", object_id=1)
    with time_machine.travel(timezone.now(), tick=True) as clock:
        for round_ in range(len(RETRY_SCHEDULE) + 1):
            webhooks_send()
            if round_ == 8:
                record("partner.created", object_id=2)
                webhooks_send()
            pending = WebhookDelivery.objects.filter(state="pending", object_key="partner:1").first()
            if pending:
                clock.move_to(pending.next_attempt_at + timedelta(seconds=1))
    # then
    assert WebhookDelivery.objects.get(object_key="partner:1").state == "failed"
    subscription.refresh_from_db()
    assert subscription.paused_at is None


def test_retry_delay_has_jitter_and_ends():
    # given / when / then
    assert timedelta(seconds=4.5) <= retry_delay(1) <= timedelta(seconds=5.5)
    assert retry_delay(len(RETRY_SCHEDULE)) >= timedelta(hours=21.6)
    assert retry_delay(len(RETRY_SCHEDULE) + 1) is None
    total = sum((step for step in RETRY_SCHEDULE), timedelta())
    assert timedelta(days=3) < total < timedelta(days=4)


def test_a_slow_receiver_times_out_and_does_not_hold_the_sender(receiver, open_guard):
    # given: a receiver that answers after twenty seconds; timeouts 1 s + 1 s
    receiver.reply = Reply(sleep=20)
    SubscriptionFactory(url=receiver.url, event_types=["*"])
    record("partner.created", object_id=1)
    # when
    started = time.monotonic()
    webhooks_send()
    elapsed = time.monotonic() - started
    # then
    assert elapsed < 6  # the timeout and the bookkeeping, on a busy machine too
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None and attempt.error.startswith("timed out")
    assert 900 <= attempt.duration_ms < 4000
    assert WebhookDelivery.objects.get().state == "pending"


def test_a_receiver_that_never_answers_times_out(receiver, open_guard):
    # given
    receiver.reply = Reply(hang=True)
    SubscriptionFactory(url=receiver.url, event_types=["*"])
    record("partner.created", object_id=1)
    # when
    started = time.monotonic()
    webhooks_send()
    # then
    assert time.monotonic() - started < 6
    assert WebhookAttempt.objects.get().error.startswith("timed out")


def test_a_dns_server_that_never_answers_fails_the_attempt_within_the_connect_timeout(
    receiver, open_guard, monkeypatch
):
    # given: a host name whose look-up hangs (connect timeout 1 s)
    monkeypatch.setattr("partners.webhooks.ssrf.system_resolver", lambda host, port: time.sleep(10) or [])
    SubscriptionFactory(url=f"http://hooks.example:{receiver.port}/in", event_types=["*"])
    record("partner.created", object_id=1)
    # when
    started = time.monotonic()
    webhooks_send()
    # then: a failed attempt saying why, and the sender free again
    assert time.monotonic() - started < 6
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None
    assert "cannot be resolved" in attempt.error and "no answer from DNS within 1 s" in attempt.error
    assert WebhookDelivery.objects.get().state == "pending"


def test_a_receiver_trickling_its_answer_is_cut_off_at_the_deadline(receiver, open_guard):
    # given: 200, then one byte of the body every half second (each read is within the timeout)
    receiver.reply = Reply(status=200, body=b"x" * 100, trickle=0.5)
    SubscriptionFactory(url=receiver.url, event_types=["*"])
    record("partner.created", object_id=1)
    # when
    started = time.monotonic()
    webhooks_send()
    # then: cut at connect + read timeouts (2 s, not the 50 s of the whole body), a failure
    assert time.monotonic() - started < 6
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code == 200 and attempt.error.startswith("timed out")
    assert WebhookDelivery.objects.get().state == "pending"


def test_a_huge_answer_is_read_in_part_and_stored_truncated(receiver, open_guard):
    # given: a 5 MB answer
    receiver.reply = Reply(status=200, body=b"y" * 5_000_000)
    SubscriptionFactory(url=receiver.url, event_types=["*"])
    record("partner.created", object_id=1)
    record("partner.created", object_id=2)
    # when
    webhooks_send()
    # then
    assert WebhookAttempt.objects.count() == 2
    assert {len(a.response_body) for a in WebhookAttempt.objects.all()} == {2000}
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {"succeeded"}


def test_a_refused_connection_is_a_failed_attempt(open_guard):
    # given: nothing listens on the port
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    SubscriptionFactory(url=f"http://127.0.0.1:{port}/x", event_types=["*"])
    record("partner.created", object_id=1)
    # when
    webhooks_send()
    # then
    assert WebhookAttempt.objects.get().error == "connection refused"


def test_an_objects_deliveries_wait_behind_its_earlier_failing_one(receiver, open_guard):
    # given: object 1's first event fails once, everything else succeeds
    failed = []
    receiver.reply = lambda request: Reply(
        status=500 if request.json["data"]["n"] == 1 and not failed.append(1) and len(failed) == 1 else 200
    )
    SubscriptionFactory(url=receiver.url, event_types=["*"])
    first = record("partner.updated", object_id=1, data={"n": 1})
    second = record("partner.updated", object_id=1, data={"n": 2})
    other = record("partner.updated", object_id=2, data={"n": 3})
    # when
    webhooks_send()
    # then: the other object went; the second of object 1 waits behind the first's retry
    assert [r.headers["webhook-id"] for r in receiver.received] in (
        [first.webhook_id, other.webhook_id],
        [other.webhook_id, first.webhook_id],
    )
    assert WebhookDelivery.objects.get(event=second).attempts == 0
    # when: the retry is due
    with time_machine.travel(timezone.now() + timedelta(seconds=6), tick=True):
        webhooks_send()
    # then: in order
    assert [r.headers["webhook-id"] for r in receiver.received][-2:] == [first.webhook_id, second.webhook_id]
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {"succeeded"}


def test_an_objects_run_of_events_goes_out_in_order_in_one_batch(receiver, open_guard):
    # given
    SubscriptionFactory(url=receiver.url, event_types=["*"])
    events = [record("partner.updated", object_id=1, data={"n": n}) for n in range(10)]
    # when
    webhooks_send()
    # then
    assert [r.headers["webhook-id"] for r in receiver.received] == [e.webhook_id for e in events]


def test_redelivery_sends_the_same_webhook_id_again(receiver, open_guard):
    # given: a delivered event
    admin = UserFactory(role="admin")
    SubscriptionFactory(url=receiver.url, event_types=["*"])
    event = record("partner.created", object_id=1)
    webhooks_send()
    delivery = WebhookDelivery.objects.get()
    # when
    delivery_redeliver(actor=admin, delivery_id=delivery.pk)
    webhooks_send()
    # then
    assert [r.headers["webhook-id"] for r in receiver.received] == [event.webhook_id, event.webhook_id]
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("succeeded", 2)


def test_redelivery_since_a_time_sends_the_later_events_again(receiver, open_guard):
    # given
    admin = UserFactory(role="admin")
    subscription = SubscriptionFactory(url=receiver.url, event_types=["*"])
    record("partner.created", object_id=1)
    cut = timezone.now()
    later = [record("partner.created", object_id=n) for n in (2, 3)]
    webhooks_send()
    # when
    count = deliveries_redeliver_since(actor=admin, subscription_id=subscription.pk, since=cut)
    webhooks_send()
    # then
    assert count == 2
    assert sorted(r.headers["webhook-id"] for r in receiver.received[3:]) == sorted(e.webhook_id for e in later)


def test_a_lease_keeps_other_senders_away_until_it_ends(receiver, open_guard):
    # given: a delivery leased by a sender that died
    SubscriptionFactory(url=receiver.url, event_types=["*"])
    record("partner.created", object_id=1)
    WebhookDelivery.objects.update(claimed_until=timezone.now() + timedelta(minutes=1))
    # when / then: nobody sends it while the lease lasts
    assert webhooks_send() == 0
    # when: the lease is over, the sweep releases and sends it
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=True):
        assert webhooks_sweep() == 1
    # then
    assert WebhookDelivery.objects.get().state == "succeeded"


def test_a_deleted_subscription_loses_its_deliveries_quietly(receiver, open_guard):
    # given
    admin = UserFactory(role="admin")
    subscription = SubscriptionFactory(url=receiver.url, event_types=["*"])
    record("partner.created", object_id=1)
    # when
    from partners.webhooks.services import subscription_delete

    subscription_delete(actor=admin, subscription_id=subscription.pk)
    # then
    assert webhooks_send() == 0 and not WebhookDelivery.objects.exists()


def test_a_long_queue_behind_one_failing_object_does_not_hold_up_the_others(receiver, open_guard):
    # given: object 1's first event is backing off, with twelve more of object 1 behind it
    receiver.reply = lambda request: Reply(status=500 if request.json["data"]["id"] == 1 else 200)
    SubscriptionFactory(url=receiver.url, event_types=["*"])
    for n in range(13):
        record("partner.updated", object_id=1, data={"n": n})
    webhooks_send(batch=5)
    # when: another object's event comes, and a sender claims five at a time
    other = record("partner.updated", object_id=2)
    webhooks_send(batch=5)
    # then: it is sent; object 1 still waits behind its first event
    assert WebhookDelivery.objects.get(event=other).state == "succeeded"
    assert WebhookDelivery.objects.filter(object_key="partner:1", attempts=0).count() == 12
