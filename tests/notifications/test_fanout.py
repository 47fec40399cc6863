"""The notifications channel: who hears of which event, once, within their own organisation."""

import pytest
from django.core import mail

from partners.notifications.fanout import notifications_fan_out
from partners.notifications.models import Notification, NotificationPreference, OutgoingEmail
from partners.outbox.models import Event
from tests.factories import UserFactory
from tests.notifications.helpers import (
    dispatch,
    document_event,
    invitation_event,
    outcome_event,
    partner_login,
    request_event,
    run_event,
)
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db


def test_a_request_reaches_every_active_login_of_its_partner_and_no_other(django_capture_on_commit_callbacks):
    # given
    owner = UserFactory(role="manager")
    alpha, bravo = PartnerFactory(owner=owner), PartnerFactory(owner=owner)
    amy, alex = partner_login(alpha), partner_login(alpha)
    gone = partner_login(alpha, is_active=False)
    bob = partner_login(bravo)
    request_event(alpha, title="Upload your KYC document")
    # when
    dispatch(django_capture_on_commit_callbacks)
    # then
    rows = Notification.objects.filter(category="requests")
    assert sorted(rows.values_list("user_id", flat=True)) == sorted([amy.pk, alex.pk])
    assert not Notification.objects.filter(user__in=[gone, bob]).exists()
    assert all(row.partner_id == alpha.pk for row in rows)
    assert rows.first().title == "Request: Upload your KYC document"
    assert rows.first().link == "/partner/"
    # and the owner (staff) is not told of a partner-audience request
    assert not Notification.objects.filter(user=owner).exists()


def test_fanning_out_the_same_events_twice_writes_one_notification_and_one_email(django_capture_on_commit_callbacks):
    # given
    partner = PartnerFactory()
    user = partner_login(partner)
    request_event(partner)
    dispatch(django_capture_on_commit_callbacks)
    events = list(Event.objects.all())
    # when: the dispatcher's batch is fanned out again (a worker lost before it marked it)
    with django_capture_on_commit_callbacks(execute=True):
        notifications_fan_out(events)
    # then
    assert Notification.objects.filter(user=user).count() == 1
    assert OutgoingEmail.objects.filter(to=user.email).count() == 1
    assert [m.to for m in mail.outbox] == [[user.email]]


def test_a_partner_login_never_hears_of_another_partners_event_even_if_a_resolver_names_it(
    django_capture_on_commit_callbacks,
):
    # given: B's admin is (wrongly) named as the inviter of an invitation at A
    alpha, bravo = PartnerFactory(), PartnerFactory()
    bravo_admin = partner_login(bravo, role="partner_admin")
    invitation_event(alpha, inviter=bravo_admin)
    # when
    dispatch(django_capture_on_commit_callbacks)
    # then
    assert not Notification.objects.filter(user=bravo_admin).exists()
    assert mail.outbox == []


def test_an_inviter_hears_that_the_invitation_was_accepted(django_capture_on_commit_callbacks):
    # given
    partner = PartnerFactory()
    admin = partner_login(partner, role="partner_admin")
    invitation_event(partner, inviter=admin, email="ines@helix.example")
    # when
    dispatch(django_capture_on_commit_callbacks)
    # then
    notification = Notification.objects.get(user=admin)
    assert notification.category == "invitations"
    assert "ines@helix.example accepted your invitation" in notification.title


def test_managers_get_outcomes_of_partners_they_own_or_are_assigned_by_digest(django_capture_on_commit_callbacks):
    # given
    owner, assignee, other = UserFactory(), UserFactory(), UserFactory()
    partner = PartnerFactory(owner=owner, name="Helix Health")
    outcome_event(partner, title="Re-engage Helix", assignee=assignee)
    # when
    dispatch(django_capture_on_commit_callbacks)
    # then: both hear of it in the app; the default for outcomes is the digest, so no e-mail now
    rows = Notification.objects.filter(category="outcomes")
    assert sorted(rows.values_list("user_id", flat=True)) == sorted([owner.pk, assignee.pk])
    assert set(rows.values_list("delivery", flat=True)) == {"digest"}
    assert rows.first().title == "New task for Helix Health: Re-engage Helix"
    assert not Notification.objects.filter(user=other).exists()
    assert mail.outbox == []


def test_a_finished_run_is_told_to_whoever_started_it_at_once(django_capture_on_commit_callbacks):
    # given
    starter = UserFactory()
    run_event(started_by=starter)
    run_event(started_by=None)  # a scheduled run: nobody to tell
    # when
    dispatch(django_capture_on_commit_callbacks)
    # then
    notification = Notification.objects.get()
    assert notification.user == starter
    assert notification.title == "Run of Channel partners succeeded"
    assert len(mail.outbox) == 1


def test_partner_activity_reaches_the_owner_but_not_the_actor(django_capture_on_commit_callbacks):
    # given
    owner = UserFactory()
    partner = PartnerFactory(owner=owner)
    uploader = partner_login(partner)
    document_event(partner, actor=uploader)
    document_event(partner, title="Uploaded by the owner", actor=owner)
    # when
    dispatch(django_capture_on_commit_callbacks)
    # then
    rows = list(Notification.objects.filter(category="partner_activity"))
    assert [(row.user_id, row.title) for row in rows] == [
        (owner.pk, f"{partner.name} has a new document: Insurance 2027")
    ]
    assert not Notification.objects.filter(user=uploader).exists()


def test_a_category_turned_off_writes_nothing_and_digest_writes_no_email(django_capture_on_commit_callbacks):
    # given
    partner = PartnerFactory()
    quiet, digester = partner_login(partner), partner_login(partner)
    NotificationPreference.objects.create(user=quiet, category="requests", delivery="off")
    NotificationPreference.objects.create(user=digester, category="requests", delivery="digest")
    request_event(partner)
    # when
    dispatch(django_capture_on_commit_callbacks)
    # then
    assert not Notification.objects.filter(user=quiet).exists()
    assert Notification.objects.get(user=digester).delivery == "digest"
    assert mail.outbox == []


def test_no_mail_to_a_terminated_partners_logins_or_a_bounced_address(django_capture_on_commit_callbacks):
    # given
    from partners.notifications.models import EmailBounce

    terminated = PartnerFactory(status="terminated")
    cut_off = partner_login(terminated)
    request_event(terminated)
    partner = PartnerFactory()
    bounced = partner_login(partner)
    EmailBounce.objects.create(email=bounced.email.upper().lower())
    request_event(partner)
    # when
    dispatch(django_capture_on_commit_callbacks)
    # then: the terminated partner's login hears nothing; the bounced one only in the app
    assert not Notification.objects.filter(user=cut_off).exists()
    assert Notification.objects.filter(user=bounced).exists()
    assert mail.outbox == []


def test_a_batch_costs_the_same_few_queries_whatever_its_size(django_assert_max_num_queries):
    # given: 1 and then 20 requests to partners with two logins each
    def batch(size):
        events = []
        for _ in range(size):
            partner = PartnerFactory(owner=UserFactory())
            partner_login(partner)
            partner_login(partner)
            events.append(request_event(partner))
            events.append(document_event(partner))
        return list(Event.objects.filter(pk__in=[e.pk for e in events]))

    small, large = batch(1), batch(20)
    # when / then: partners, logins, recipients, preferences, bounces, the two INSERTs (+ savepoint)
    with django_assert_max_num_queries(9) as small_queries:
        notifications_fan_out(small)
    with django_assert_max_num_queries(9) as large_queries:
        notifications_fan_out(large)
    assert len(large_queries.captured_queries) == len(small_queries.captured_queries)
    assert Notification.objects.count() == 21 * 3


def test_an_event_whose_payload_cannot_be_read_is_skipped_without_failing_the_batch(django_capture_on_commit_callbacks):
    # given: a status change with a malformed payload, then a good request
    from partners.outbox.services import event_record

    owner = UserFactory()
    partner = PartnerFactory(owner=owner)
    user = partner_login(partner)
    event_record(
        type="partner.status_changed",
        object_type="partner",
        object_id=partner.pk,
        partner_id=partner.pk,
        data={"id": partner.pk, "partner": partner.pk, "changes": ["status", "active"]},
    )
    request_event(partner)
    # when
    dispatch(django_capture_on_commit_callbacks)
    # then
    assert Notification.objects.filter(user=user, category="requests").exists()
    assert Notification.objects.filter(user=owner, category="partner_activity").exists()
    assert not Event.objects.filter(dispatched_at__isnull=True).exists()
