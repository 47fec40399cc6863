"""Subscription writes and the reads the API and pages use."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from partners.models import PartnerUser
from partners.outbox.models import Event
from partners.outbox.services import outbox_dispatch
from partners.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from partners.webhooks.selectors import (
    delivery_get,
    delivery_list,
    may_manage_webhooks,
    subscription_get,
    subscription_list,
    subscriptions_paused,
    webhook_event_types,
)
from partners.webhooks.services import (
    subscription_create,
    subscription_delete,
    subscription_pause,
    subscription_resume,
    subscription_rotate_secret,
    subscription_send_test,
    subscription_update,
)
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory
from tests.webhooks.factories import SubscriptionFactory
from tests.webhooks.helpers import record

pytestmark = pytest.mark.django_db


@pytest.fixture
def public_dns(monkeypatch, settings):
    """Production's guard (https, public addresses only) with every name resolving to a public address."""
    settings.WEBHOOK_ALLOW_HTTP = False
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    monkeypatch.setattr("partners.webhooks.ssrf.system_resolver", lambda host, port: ["93.184.216.34"])


def partner_admin(partner, role="partner_admin"):
    user = UserFactory(is_staff=False, role="analyst")
    user.groups.clear()
    PartnerUser.objects.create(user=user, partner=partner, role=role)
    return user


def test_an_admin_creates_a_staff_subscription_with_a_new_secret(public_dns):
    # given
    admin = UserFactory(role="admin")
    # when
    subscription = subscription_create(
        actor=admin, url="https://hooks.example.com/in", event_types=["partner.*", "outcome.created"], description="CRM"
    )
    # then
    assert subscription.secret.startswith("whsec_") and subscription.partner_id is None
    assert subscription.event_types == ["partner.*", "outcome.created"]
    assert subscription.created_by == admin


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.example.com/in", "The URL must use https:// (plain http is allowed only in development)."),
        ("https://10.0.0.5/in", "The URL is a private address (10.0.0.5)."),
        ("https://2130706433/", "non-standard form"),
        ("", "Enter the URL that receives the events."),
    ],
)
def test_a_url_the_guard_refuses_is_a_field_error(public_dns, url, message):
    # given
    admin = UserFactory(role="admin")
    # when
    with pytest.raises(ValidationError) as refused:
        subscription_create(actor=admin, url=url, event_types=["*"])
    # then
    assert message in refused.value.message_dict["url"][0]
    assert not WebhookSubscription.objects.exists()


def test_a_host_resolving_to_a_private_address_is_refused_with_the_address(monkeypatch, settings):
    # given
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    monkeypatch.setattr("partners.webhooks.ssrf.system_resolver", lambda host, port: ["10.0.0.5"])
    # when
    with pytest.raises(ValidationError) as refused:
        subscription_create(actor=UserFactory(role="admin"), url="https://intranet.example.com/", event_types=["*"])
    # then
    assert refused.value.message_dict == {"url": ["The URL resolves to a private address (10.0.0.5)."]}


@pytest.mark.parametrize("patterns", [["partner.deleted"], ["nope.*"], ["webhook.test"], []])
def test_unknown_event_types_are_refused(public_dns, patterns):
    # when
    with pytest.raises(ValidationError) as refused:
        subscription_create(actor=UserFactory(role="admin"), url="https://hooks.example.com/", event_types=patterns)
    # then
    expected = f"unknown event type '{patterns[0]}'" if patterns else "Choose at least one event type."
    assert refused.value.message_dict == {"event_types": [expected]}


def test_a_partner_admin_subscribes_for_its_own_organisation_and_readable_types_only(public_dns):
    # given
    alpha, bravo = PartnerFactory(), PartnerFactory()
    user = partner_admin(alpha)
    # when
    subscription = subscription_create(actor=user, url="https://hooks.example.com/", event_types=["partner.*"])
    # then
    assert subscription.partner_id == alpha.pk
    with pytest.raises(PermissionDenied):
        subscription_create(
            actor=user, url="https://hooks.example.com/", event_types=["partner.*"], partner_id=bravo.pk
        )
    for staff_only in (["run.finished"], ["run.*"]):
        with pytest.raises(ValidationError, match="not sent to partner subscriptions"):
            subscription_create(actor=user, url="https://hooks.example.com/", event_types=staff_only)


@pytest.mark.parametrize("role", ["manager", "analyst"])
def test_staff_other_than_admins_manage_no_webhooks(public_dns, role):
    # given
    user = UserFactory(role=role)
    subscription = SubscriptionFactory()
    # when / then
    assert not may_manage_webhooks(user)
    assert not subscription_list(user=user).exists()
    with pytest.raises(PermissionDenied):
        subscription_create(actor=user, url="https://hooks.example.com/", event_types=["*"])
    with pytest.raises(PermissionDenied):
        subscription_delete(actor=user, subscription_id=subscription.pk)


def test_a_partner_member_manages_no_webhooks():
    # given
    member = partner_admin(PartnerFactory(), role="partner_member")
    # when / then
    assert not may_manage_webhooks(member) and webhook_event_types(user=member) == {}


def test_partner_a_cannot_see_or_change_partner_bs_subscription(public_dns):
    # given
    alpha, bravo = PartnerFactory(), PartnerFactory()
    mine = SubscriptionFactory(partner=alpha)
    theirs = SubscriptionFactory(partner=bravo)
    staff = SubscriptionFactory()
    user = partner_admin(alpha)
    # when / then
    assert list(subscription_list(user=user)) == [mine]
    for subscription_id in (theirs.pk, staff.pk):
        with pytest.raises(WebhookSubscription.DoesNotExist):
            subscription_get(user=user, subscription_id=subscription_id)
        with pytest.raises(WebhookSubscription.DoesNotExist):
            subscription_update(actor=user, subscription_id=subscription_id, description="x")
        with pytest.raises(WebhookSubscription.DoesNotExist):
            subscription_rotate_secret(actor=user, subscription_id=subscription_id)
        with pytest.raises(WebhookSubscription.DoesNotExist):
            subscription_send_test(actor=user, subscription_id=subscription_id)
        assert not delivery_list(user=user, subscription_id=subscription_id).exists()
    assert set(subscription_list(user=UserFactory(role="admin"))) == {mine, theirs, staff}


def test_partner_a_cannot_see_partner_bs_deliveries(public_dns):
    # given
    alpha, bravo = PartnerFactory(), PartnerFactory()
    theirs = SubscriptionFactory(partner=bravo, event_types=["*"])
    record("partner.updated", partner_id=bravo.pk, object_id=bravo.pk)
    delivery = WebhookDelivery.objects.get(subscription=theirs)
    user = partner_admin(alpha)
    # when / then
    with pytest.raises(WebhookDelivery.DoesNotExist):
        delivery_get(user=user, delivery_id=delivery.pk)
    from partners.webhooks.services import delivery_redeliver

    with pytest.raises(WebhookDelivery.DoesNotExist):
        delivery_redeliver(actor=user, delivery_id=delivery.pk)


def test_an_update_checks_what_changes(public_dns):
    # given
    admin = UserFactory(role="admin")
    subscription = SubscriptionFactory(event_types=["*"], description="old")
    # when
    updated = subscription_update(
        actor=admin, subscription_id=subscription.pk, event_types=["contact.*"], is_active=False
    )
    # then
    assert (updated.event_types, updated.is_active, updated.description) == (["contact.*"], False, "old")
    with pytest.raises(ValidationError):
        subscription_update(actor=admin, subscription_id=subscription.pk, url="https://127.0.0.1/")


def test_rotation_keeps_the_previous_secret_for_the_grace_period(settings):
    # given
    settings.WEBHOOK_SECRET_ROTATION_HOURS = 24
    admin = UserFactory(role="admin")
    subscription = SubscriptionFactory()
    old = subscription.secret
    # when
    rotated = subscription_rotate_secret(actor=admin, subscription_id=subscription.pk)
    # then
    assert rotated.secret != old and rotated.secret.startswith("whsec_")
    assert rotated.previous_secret == old
    expected = timezone.now() + timedelta(hours=24)
    assert abs(rotated.previous_secret_expires_at - expected) < timedelta(seconds=5)


def test_pause_and_resume(public_dns):
    # given
    admin = UserFactory(role="admin")
    subscription = SubscriptionFactory(failing_since=timezone.now())
    # when
    paused = subscription_pause(actor=admin, subscription_id=subscription.pk, reason="Receiver down")
    # then
    assert paused.paused_reason == "Receiver down"
    assert list(subscriptions_paused(user=admin)) == [subscription]
    # when
    resumed = subscription_resume(actor=admin, subscription_id=subscription.pk)
    # then
    assert (resumed.paused_at, resumed.failing_since, resumed.paused_reason) == (None, None, "")
    assert not subscriptions_paused(user=admin).exists()


def test_send_test_goes_through_the_outbox_to_that_subscription_only(django_capture_on_commit_callbacks):
    # given
    admin = UserFactory(role="admin")
    target = SubscriptionFactory(event_types=["partner.created"])
    SubscriptionFactory(event_types=["*"])
    # when
    with django_capture_on_commit_callbacks() as callbacks:
        event = subscription_send_test(actor=admin, subscription_id=target.pk)
    outbox_dispatch()
    # then
    assert callbacks  # the dispatcher is queued after commit
    assert Event.objects.get(pk=event.pk).type == "webhook.test"
    assert list(WebhookDelivery.objects.values_list("subscription_id", "event_id")) == [(target.pk, event.pk)]


def test_event_types_a_partner_admin_may_choose():
    # given
    admin, user = UserFactory(role="admin"), partner_admin(PartnerFactory())
    # when
    staff_types, partner_types = webhook_event_types(user=admin), webhook_event_types(user=user)
    # then
    assert "run.finished" in staff_types and "webhook.test" not in staff_types
    assert "run.finished" not in partner_types
    assert {"partner.updated", "contact.created", "outcome.created", "document.uploaded"} <= set(partner_types)


@pytest.mark.parametrize("rows", [1, 20])
def test_lists_cost_the_same_queries_for_1_or_20_rows(rows, django_assert_max_num_queries):
    # given
    admin = UserFactory(role="admin")
    subscriptions = SubscriptionFactory.create_batch(rows, event_types=["*"])
    record("partner.created", object_id=1)
    record("partner.created", object_id=2)
    delivery = WebhookDelivery.objects.filter(subscription=subscriptions[0]).first()
    WebhookAttempt.objects.bulk_create([WebhookAttempt(delivery=delivery, status_code=500) for _ in range(rows)])
    admin = type(admin).objects.get(pk=admin.pk)
    # when / then: the subscriptions with their partners (1 query)
    with django_assert_max_num_queries(1):
        assert len(list(subscription_list(user=admin))) == rows
    # the deliveries with their events (1 query)
    with django_assert_max_num_queries(1):
        assert [d.event.webhook_id for d in delivery_list(user=admin, subscription_id=subscriptions[0].pk)]
    # one delivery with its event and subscription (1 query) and its attempts (1 query)
    with django_assert_max_num_queries(2):
        assert len(delivery_get(user=admin, delivery_id=delivery.pk).attempts_shown) == rows
