"""Who hears of lead offers: the partner's logins by e-mail with the time to accept by, and the
managers of a declined or lapsed lead; nobody else's partner."""

from datetime import timedelta

import pytest
from django.core import mail

from partners.notifications.models import Notification
from partners.outbox.models import Event
from partners.webhooks.fanout import event_payload, subscription_receives
from partners.webhooks.models import WebhookSubscription
from programs.leads.services import lead_decline, leads_enforce_sla
from tests.factories import UserFactory
from tests.notifications.helpers import dispatch, partner_login
from tests.programs.leads.helpers import lead_partner, new_lead

pytestmark = pytest.mark.django_db


def test_the_partner_is_emailed_when_a_lead_is_offered_with_the_accept_by_time(django_capture_on_commit_callbacks):
    # given
    partner = lead_partner(name="Dach Care")
    amy = partner_login(partner, email="amy@dach.example", username="amy@dach.example")
    bob = partner_login(lead_partner(name="Elsewhere", regions=["NA"]))
    lead = new_lead(company="Helix Clinics")
    accept_by = lead.respond_by.strftime("%d %b %Y, %H:%M")
    # when
    dispatch(django_capture_on_commit_callbacks)
    # then
    note = Notification.objects.get(user=amy)
    assert note.category == "lead_offers"
    assert note.title == f"New lead: Helix Clinics, accept by {accept_by} UTC"
    assert note.link == f"/partner/leads/{lead.pk}/"
    [message] = [m for m in mail.outbox if m.to == ["amy@dach.example"]]
    assert accept_by in message.subject + message.body
    assert not Notification.objects.filter(user=bob).exists()


def test_a_decline_reaches_the_leads_creator_and_the_partners_owner(django_capture_on_commit_callbacks):
    # given
    owner, creator = UserFactory(), UserFactory()
    partner = lead_partner(owner=owner)
    lead = new_lead(actor=creator)
    # when
    lead_decline(lead_id=lead.pk, partner_id=partner.pk, actor=None, reason="Too small for us")
    dispatch(django_capture_on_commit_callbacks)
    # then
    rows = Notification.objects.filter(category="lead_responses")
    assert sorted(rows.values_list("user_id", flat=True)) == sorted([owner.pk, creator.pk])
    assert rows.first().title == f"{partner.name} declined the lead Helix Clinics"
    assert rows.first().link == f"/leads/{lead.pk}/"


def test_a_lapsed_offer_is_told_to_the_partner_and_its_owner_without_naming_the_next(
    django_capture_on_commit_callbacks,
):
    # given
    owner = UserFactory()
    late = lead_partner(name="Late", owner=owner)
    lead = new_lead()
    amy = partner_login(late)
    dispatch(django_capture_on_commit_callbacks)
    nxt = lead_partner(name="Next Ltd")
    # when
    leads_enforce_sla(now=lead.respond_by + timedelta(minutes=1))
    dispatch(django_capture_on_commit_callbacks)
    # then
    told = Notification.objects.get(user=amy, title__startswith="Lead Helix")
    assert told.title == "Lead Helix Clinics went to another partner"
    assert nxt.name not in told.title + told.body
    assert Notification.objects.filter(
        user=owner, category="lead_responses", title="Late let the lead Helix Clinics lapse"
    ).exists()


def test_a_partner_webhook_hears_of_its_own_offers_only_and_never_who_created_the_lead():
    # given: a lead offered to one of two partners
    first, second = lead_partner(), lead_partner()
    lead = new_lead(actor=UserFactory(role="manager"))
    offered_to = lead.partner_id
    other = second if offered_to == first.pk else first
    event = Event.objects.get(type="lead.offered", object_id=str(lead.pk))
    theirs = WebhookSubscription(url="https://a.example/hook", event_types=["lead.*"], partner_id=offered_to)
    not_theirs = WebhookSubscription(url="https://b.example/hook", event_types=["lead.*"], partner_id=other.pk)
    # then
    assert subscription_receives(theirs, event)
    assert not subscription_receives(not_theirs, event)
    payload = event_payload(event, partner_scoped=True)["data"]
    assert payload["company"] == "Helix Clinics" and payload["partner"] == offered_to
    assert "created_by" not in payload
    assert event_payload(event, partner_scoped=False)["data"]["created_by"] == lead.created_by_id
