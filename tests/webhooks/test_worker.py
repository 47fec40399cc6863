"""A real worker SIGKILLed in the middle of deliveries: every event still arrives, with its one id."""

import os
import signal
import threading

import pytest
from django.db import transaction

from partners.outbox.models import Event
from partners.outbox.services import EventDraft, events_record
from partners.webhooks.models import WebhookAttempt, WebhookDelivery
from partners.webhooks.tasks import webhooks_sweep_task
from tests.fixtures.worker import wait_for
from tests.webhooks.conftest import Reply
from tests.webhooks.factories import SubscriptionFactory

pytestmark = pytest.mark.worker


def test_a_worker_killed_mid_delivery_loses_no_event_and_keeps_each_webhook_id(worker, receiver):
    # given: a receiver that holds every request until the worker is killed, then answers 200
    killed = threading.Event()

    def reply(request):
        if not killed.is_set():
            killed.wait(30)
            return Reply(hang=True)  # the sender is gone; its connection just closes
        return Reply(status=200)

    receiver.reply = reply
    subscription = SubscriptionFactory(url=receiver.url, event_types=["partner.*", "contact.*"])
    drafts = [
        EventDraft(
            type="partner.updated" if n % 2 else "contact.updated",
            object_type="partner" if n % 2 else "contact",
            object_id=n % 12,
            partner_id=None,
            data={"id": n % 12, "partner": None, "n": n},
        )
        for n in range(60)
    ]
    # when: the events commit (the worker fans them out and starts sending) …
    with transaction.atomic():
        events_record(drafts)
    expected = {f"msg_{uid.hex}" for uid in Event.objects.values_list("uid", flat=True)}
    assert len(expected) == 60
    wait_for(lambda: len(receiver.received) >= 3, timeout=60, what="the first deliveries to arrive")
    # … and the pool process sending them is killed while the receiver holds them
    victims = worker.pool_processes()
    assert victims
    os.kill(victims[0], signal.SIGKILL)
    receiver.released.set()
    killed.set()
    # then: after the lease ends, the sweep (beat's job, sent here by hand) delivers everything

    def all_delivered():
        if WebhookDelivery.objects.filter(subscription=subscription, state="succeeded").count() == 60:
            return True
        webhooks_sweep_task.delay()
        return False

    wait_for(all_delivered, timeout=120, interval=2, what="every delivery to succeed")
    received = [r.headers["webhook-id"] for r in receiver.received]
    assert set(received) == expected  # none lost, none unknown
    per_delivery = WebhookAttempt.objects.filter(delivery__subscription=subscription).values_list(
        "delivery__event__uid", "request_headers"
    )
    assert all(headers["webhook-id"] == f"msg_{uid.hex}" for uid, headers in per_delivery)
    assert WebhookDelivery.objects.filter(subscription=subscription).count() == 60
    assert "SIGKILL" in worker.log() or "signal 9" in worker.log() or "WorkerLostError" in worker.log()
