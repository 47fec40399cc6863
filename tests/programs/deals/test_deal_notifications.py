"""Deal events reach people and systems: the partner's logins when a registration is decided or
about to lose its protection, the partner's manager when one waits for approval, and a partner's
own webhooks without the other registrations a deal overlaps."""

from datetime import date, timedelta

import pytest
from django.core import mail

from partners.notifications.models import Notification
from partners.outbox.models import Event
from partners.webhooks.fanout import event_payload, subscription_receives
from partners.webhooks.models import WebhookSubscription
from programs.deals.services import deal_approve, deal_register, deal_reject, deals_expire, deals_remind
from tests.factories import UserFactory
from tests.notifications.helpers import dispatch, partner_login
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db
SOON = date.today() + timedelta(days=60)


def _register(partner, *, actor=None, **fields):
    values = {
        "customer_company": "Acme Inc.",
        "customer_domain": "acme.com",
        "amount": "25000",
        "currency": "EUR",
        "expected_close_on": SOON,
        "products": ["Cloud"],
    }
    values.update(fields)
    return deal_register(partner_id=partner.pk, actor=actor, **values)


@pytest.fixture
def owner():
    return UserFactory(role="manager")


@pytest.fixture
def alpha(owner):
    return PartnerFactory(name="Alpha", type="sales", status="active", owner=owner)


@pytest.fixture
def bravo(owner):
    return PartnerFactory(name="Bravo", type="sales", status="active", owner=owner)


def test_the_owner_is_told_at_once_that_a_registration_waits_with_its_overlaps(
    alpha, bravo, owner, django_capture_on_commit_callbacks
):
    # given: Bravo's pending registration of the customer, then Alpha's
    _register(bravo, actor=partner_login(bravo))
    dispatch(django_capture_on_commit_callbacks)
    Notification.objects.all().delete()
    mail.outbox.clear()
    amy = partner_login(alpha)
    deal = _register(alpha, actor=amy)
    # when
    dispatch(django_capture_on_commit_callbacks)
    # then: the owner has it, by e-mail too; the partner's own logins are not told what they did
    row = Notification.objects.get(category="deal_approvals")
    assert (row.user_id, row.partner_id) == (owner.pk, alpha.pk)
    assert row.title == "Alpha registered Acme Inc."
    assert "25,000.00 EUR, expected to close on " in row.body and "It overlaps 1 other registration." in row.body
    assert str(Event.objects.get(uid=row.event_uid).object_id) == str(deal.pk)
    assert row.link == f"/deals/{deal.pk}/"
    assert [m.to for m in mail.outbox] == [[owner.email]]
    assert not Notification.objects.filter(user=amy).exists()


def test_every_login_of_the_partner_hears_of_the_decision_and_no_other_partner(
    alpha, bravo, owner, django_capture_on_commit_callbacks
):
    # given
    amy, alex, bob = partner_login(alpha), partner_login(alpha), partner_login(bravo)
    approved = _register(alpha, actor=amy)
    refused = _register(alpha, actor=amy, customer_company="Globex", customer_domain="globex.com")
    dispatch(django_capture_on_commit_callbacks)
    Notification.objects.all().delete()
    mail.outbox.clear()
    # when
    deal_approve(deal_id=approved.pk, actor=owner)
    deal_reject(deal_id=refused.pk, actor=owner, reason="Globex buys direct")
    dispatch(django_capture_on_commit_callbacks)
    # then
    rows = Notification.objects.filter(category="deal_decisions")
    assert sorted(rows.values_list("user_id", "title")) == sorted(
        [
            (amy.pk, "Deal approved: Acme Inc."),
            (alex.pk, "Deal approved: Acme Inc."),
            (amy.pk, "Deal rejected: Globex"),
            (alex.pk, "Deal rejected: Globex"),
        ]
    )
    approved.refresh_from_db()
    until = approved.protected_until.date().isoformat()
    assert (
        rows.filter(title__startswith="Deal approved").first().body
        == f"Acme Inc. is protected for Alpha until {until}."
    )
    assert rows.filter(title__startswith="Deal rejected").first().body == "Reason: Globex buys direct"
    assert rows.filter(title__startswith="Deal approved").first().link == f"/partner/deals/{approved.pk}/"
    assert not Notification.objects.filter(user=bob).exists()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([amy.email, alex.email, amy.email, alex.email])


def test_the_partner_is_reminded_before_protection_ends_and_told_when_the_deal_expires(
    alpha, owner, django_capture_on_commit_callbacks
):
    # given: an approved deal whose protection ends within the reminder days
    amy = partner_login(alpha)
    deal = _register(alpha, actor=amy)
    deal_approve(deal_id=deal.pk, actor=owner)
    deal.refresh_from_db()
    dispatch(django_capture_on_commit_callbacks)
    Notification.objects.all().delete()
    # when: the reminder job runs a few days before the end, then the expiry job after it
    deals_remind(now=deal.protected_until - timedelta(days=3))
    deals_expire(now=deal.protected_until + timedelta(hours=1))
    dispatch(django_capture_on_commit_callbacks)
    # then
    titles = list(Notification.objects.filter(user=amy).order_by("id").values_list("title", flat=True))
    assert titles == [
        f"Protection of Acme Inc. ends on {deal.protected_until.date().isoformat()}",
        "Deal expired: Acme Inc.",
    ]


def test_a_partner_closing_its_own_deal_tells_nobody_at_the_partner(alpha, owner, django_capture_on_commit_callbacks):
    from programs.deals.services import deal_close

    amy, alex = partner_login(alpha), partner_login(alpha)
    deal = _register(alpha, actor=amy)
    deal_approve(deal_id=deal.pk, actor=owner)
    dispatch(django_capture_on_commit_callbacks)
    Notification.objects.all().delete()
    deal_close(deal_id=deal.pk, actor=amy, won=True, amount="30000", closed_on=date.today())
    dispatch(django_capture_on_commit_callbacks)
    assert not Notification.objects.filter(user__in=[amy, alex]).exists()


def test_a_partner_webhook_receives_its_deals_without_the_overlapping_registrations(alpha, bravo):
    # given: Bravo registered first, Alpha's registration overlaps it
    _register(bravo)
    _register(alpha)
    event = Event.objects.filter(type="deal.registered", partner_id=alpha.pk).get()
    assert event.data["conflicts"]  # staff see which registrations it overlaps
    alphas = WebhookSubscription(url="https://alpha.example/hook", event_types=["deal.*"], partner_id=alpha.pk)
    bravos = WebhookSubscription(url="https://bravo.example/hook", event_types=["deal.*"], partner_id=bravo.pk)
    # then: Alpha's hook gets it without the conflicts, Bravo's not at all
    assert subscription_receives(alphas, event)
    assert not subscription_receives(bravos, event)
    payload = event_payload(event, partner_scoped=True)
    assert payload["data"]["customer_company"] == "Acme Inc."
    assert "conflicts" not in payload["data"]
    assert event_payload(event, partner_scoped=False)["data"]["conflicts"] == event.data["conflicts"]
