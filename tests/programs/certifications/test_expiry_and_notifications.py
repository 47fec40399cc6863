"""The daily expiry announcement (once per expiry, whatever the runs) and who hears about
certifications: the partner's logins of decisions and expiries, the owner of what waits."""

from datetime import timedelta

import pytest
from django.core import mail

from partners.notifications.models import Notification
from partners.outbox.models import Event
from partners.webhooks.fanout import partner_may_subscribe, subscription_receives
from partners.webhooks.models import WebhookSubscription
from programs.certifications.models import Certification
from programs.certifications.services import (
    certification_reject,
    certification_verify,
    certifications_announce_expiring,
)
from programs.certifications.tasks import certifications_announce_expiring_task
from tests.fixtures.threads import race
from tests.notifications.helpers import dispatch, partner_login
from tests.partners.factories import ContactFactory
from tests.programs.certifications.helpers import days_ago, definition, record, verified

pytestmark = pytest.mark.django_db


def _expiring(partner, owner, *, in_days: int, **fields) -> Certification:
    """A verified certification that expires ``in_days`` from today."""
    return verified(partner, by=owner, earned_on=days_ago(300), expires_on=days_ago(-in_days), **fields)


def test_verified_certifications_expiring_within_30_days_are_announced_once(alpha, owner):
    # given: one expiring in 10 days, one in 30, one in 31, one pending in 5, one expired yesterday
    soon, edge = _expiring(alpha, owner, in_days=10), _expiring(alpha, owner, in_days=30)
    _expiring(alpha, owner, in_days=31)
    record(alpha, earned_on=days_ago(300), expires_on=days_ago(-5))
    _expiring(alpha, owner, in_days=-1)
    # when: the job runs twice
    first = certifications_announce_expiring()
    second = certifications_announce_expiring_task.delay().get()
    # then
    assert (first, second) == (2, 0)
    announced = Event.objects.filter(type="certification.expiring")
    assert sorted(int(pk) for pk in announced.values_list("object_id", flat=True)) == sorted([soon.pk, edge.pk])
    assert {event.partner_id for event in announced} == {alpha.pk}
    soon.refresh_from_db()
    assert soon.expiry_announced_for == soon.expires_on


def test_a_later_expiry_is_announced_anew(alpha, owner):
    # given: announced once
    certification = _expiring(alpha, owner, in_days=10)
    certifications_announce_expiring()
    # when: its expiry moves (a corrected date) and the day comes again
    Certification.objects.filter(pk=certification.pk).update(expires_on=days_ago(-20))
    again = certifications_announce_expiring()
    # then
    assert again == 1
    assert Event.objects.filter(type="certification.expiring").count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_announce_each_expiry_once(alpha, owner):
    # given
    for _ in range(5):
        _expiring(alpha, owner, in_days=7)

    # when: four runs at the same moment
    results = race(*[certifications_announce_expiring] * 4)
    # then
    assert all(isinstance(result, int) for result in results), results
    assert sum(results) == 5
    assert Event.objects.filter(type="certification.expiring").count() == 5


def test_the_owner_hears_of_a_certification_waiting_and_the_partner_of_the_decisions(
    alpha, bravo, owner, django_capture_on_commit_callbacks
):
    # given: Amy records two certifications of Ada's; Bob is at another partner
    amy, alex, bob = partner_login(alpha), partner_login(alpha), partner_login(bravo)
    ada = ContactFactory(partner=alpha, name="Ada Lovelace")
    first = record(alpha, contact=ada, actor=amy, earned_on=days_ago(10))
    second = record(alpha, contact=ada, actor=amy, of=definition("Telehealth", "healthcare"), earned_on=days_ago(9))
    # when
    dispatch(django_capture_on_commit_callbacks)
    # then: the owner is told, the partner's logins are not told what they did
    waiting = Notification.objects.filter(category="certification_verifications")
    assert sorted(waiting.values_list("user_id", flat=True)) == [owner.pk, owner.pk]
    row = waiting.get(event_uid=Event.objects.get(type="certification.recorded", object_id=first.pk).uid)
    assert row.title == "Alpha Care recorded a certification to verify"
    assert row.body == f"Clinical integration of Ada Lovelace, in healthcare, earned on {first.earned_on.isoformat()}."
    assert row.link == f"/certifications/{first.pk}/"
    assert not Notification.objects.filter(user__in=[amy, alex, bob]).exists()
    # when: the owner verifies one and rejects the other
    Notification.objects.all().delete()
    mail.outbox.clear()
    certification_verify(certification_id=first.pk, actor=owner)
    certification_reject(certification_id=second.pk, actor=owner, reason="The certificate is someone else's")
    dispatch(django_capture_on_commit_callbacks)
    # then: every login of the partner hears, nobody else
    rows = Notification.objects.filter(category="certification_news")
    assert sorted(rows.values_list("user_id", "title")) == sorted(
        [
            (amy.pk, "Certification verified: Clinical integration of Ada Lovelace"),
            (alex.pk, "Certification verified: Clinical integration of Ada Lovelace"),
            (amy.pk, "Certification rejected: Telehealth of Ada Lovelace"),
            (alex.pk, "Certification rejected: Telehealth of Ada Lovelace"),
        ]
    )
    assert rows.filter(title__contains="rejected").first().body == "Reason: The certificate is someone else's"
    assert rows.first().link == "/partner/certifications/"
    assert not Notification.objects.exclude(category="certification_news").exists()
    assert not Notification.objects.filter(user=bob).exists()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([amy.email, alex.email] * 2)


def test_the_partner_is_told_of_a_certification_about_to_expire(alpha, owner, django_capture_on_commit_callbacks):
    # given
    amy = partner_login(alpha)
    certification = _expiring(alpha, owner, in_days=12, contact=ContactFactory(partner=alpha, name="Ada Lovelace"))
    dispatch(django_capture_on_commit_callbacks)
    Notification.objects.all().delete()
    # when
    certifications_announce_expiring()
    dispatch(django_capture_on_commit_callbacks)
    # then
    row = Notification.objects.get(user=amy)
    expires = certification.expires_on.isoformat()
    assert row.title == f"Clinical integration of Ada Lovelace expires on {expires}"
    assert row.body == "Renew it and record the new certificate, so the contact stays certified."
    assert not Notification.objects.filter(user=owner).exists()


def test_a_partner_webhook_may_subscribe_to_its_certifications_only(alpha, bravo, owner):
    # given
    certification = record(alpha)
    event = Event.objects.get(type="certification.recorded", object_id=certification.pk)
    alphas = WebhookSubscription(url="https://alpha.example/hook", event_types=["certification.*"], partner=alpha)
    bravos = WebhookSubscription(url="https://bravo.example/hook", event_types=["certification.*"], partner=bravo)
    # then
    assert partner_may_subscribe("certification.expiring")
    assert subscription_receives(alphas, event)
    assert not subscription_receives(bravos, event)


def test_a_certification_expiring_later_than_the_window_is_left_for_a_later_day(alpha, owner):
    # given
    certification = _expiring(alpha, owner, in_days=40)
    # when: today, then ten days later
    now = certifications_announce_expiring()
    later = certifications_announce_expiring(today=days_ago(0) + timedelta(days=10))
    # then
    assert (now, later) == (0, 1)
    certification.refresh_from_db()
    assert certification.expiry_announced_for == certification.expires_on
