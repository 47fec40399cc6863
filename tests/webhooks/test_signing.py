"""Signatures as an independent receiver checks them, with the standardwebhooks package."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from partners.webhooks.models import WebhookDelivery
from partners.webhooks.sending import webhooks_send
from partners.webhooks.services import subscription_rotate_secret
from partners.webhooks.signing import secret_new, signed_headers
from tests.factories import UserFactory
from tests.webhooks.factories import SubscriptionFactory
from tests.webhooks.helpers import record

pytestmark = pytest.mark.django_db


def test_a_secret_is_whsec_and_32_random_bytes():
    # given / when
    secret = secret_new()
    # then
    import base64

    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert secret_new() != secret


def test_signed_headers_verify_with_the_standardwebhooks_package():
    # given
    secret, body = secret_new(), b'{"type":"partner.updated","timestamp":"2026-01-01T00:00:00+00:00","data":{}}'
    timestamp = int(timezone.now().timestamp())
    # when
    headers = signed_headers(secrets=[secret], webhook_id="msg_abc", timestamp=timestamp, body=body)
    # then
    assert Webhook(secret).verify(body, headers) == {
        "type": "partner.updated",
        "timestamp": "2026-01-01T00:00:00+00:00",
        "data": {},
    }
    with pytest.raises(WebhookVerificationError):
        Webhook(secret_new()).verify(body, headers)


def _received(receiver, index=-1):
    request = receiver.received[index]
    return request.body, {key.lower(): value for key, value in request.headers.items()}


def test_a_delivery_is_signed_with_both_secrets_during_a_rotation_and_only_the_new_one_after(receiver, open_guard):
    # given
    admin = UserFactory(role="admin")
    subscription = SubscriptionFactory(url=receiver.url, event_types=["partner.*"])
    old_secret = subscription.secret
    rotated = subscription_rotate_secret(actor=admin, subscription_id=subscription.pk)
    new_secret = rotated.secret
    # when: a delivery within the grace period
    event = record("partner.updated", partner_id=None, object_id=7)
    webhooks_send()
    # then: two signatures; a receiver holding either secret accepts the delivery
    body, headers = _received(receiver)
    assert headers["webhook-id"] == event.webhook_id
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert Webhook(old_secret).verify(body, headers)["type"] == "partner.updated"
    assert Webhook(new_secret).verify(body, headers)["data"] == {"id": 7, "partner": None}
    # when: the grace period is over
    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=True):
        record("partner.updated", partner_id=None, object_id=8)
        webhooks_send()
        body, headers = _received(receiver)
        # then: only the new secret signs
        assert len(headers["webhook-signature"].split(" ")) == 1
        assert Webhook(new_secret).verify(body, headers)["data"]["id"] == 8
        with pytest.raises(WebhookVerificationError):
            Webhook(old_secret).verify(body, headers)
    assert WebhookDelivery.objects.filter(state="succeeded").count() == 2


def test_the_body_carries_type_timestamp_and_data_of_the_event(receiver, open_guard):
    # given
    subscription = SubscriptionFactory(url=receiver.url, event_types=["contact.created"])
    # when
    event = record("contact.created", object_id=3, data={"name": "Ada"})
    webhooks_send()
    # then
    payload = Webhook(subscription.secret).verify(*_received(receiver))
    assert payload == {
        "type": "contact.created",
        "timestamp": event.created_at.isoformat(),
        "data": {"id": 3, "partner": None, "name": "Ada"},
    }
