"""Outgoing e-mail is durable: written with the change, sent after the commit or by the sweep,
never twice, never to an address that bounced or a login that is gone."""

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from partners.notifications.models import EmailBounce, OutgoingEmail
from prm import broker
from prm.celery import app as celery_app
from prm.mail import email_queue, email_send, emails_sweep
from tests.factories import UserFactory
from tests.notifications.helpers import dispatch, partner_login, request_event
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_down():
    """Tasks are published for real, to a broker on a closed port (nothing listens on port 9)."""
    conf = celery_app.conf
    previous = (conf.task_always_eager, conf.broker_url)

    def forget_connections():
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        broker._unavailable_until = 0.0

    conf.task_always_eager, conf.broker_url = False, "redis://127.0.0.1:9/0"
    forget_connections()
    yield
    conf.task_always_eager, conf.broker_url = previous
    forget_connections()


def _later(seconds: int = 60):
    return timezone.now() + timezone.timedelta(seconds=seconds)


def test_a_password_reset_with_the_broker_down_succeeds_and_the_sweep_sends_its_mail(
    client, broker_down, django_capture_on_commit_callbacks
):
    # given
    user = UserFactory(email="maria@example.com", username="maria@example.com")
    # when: the request queues the mail while nothing can take the task
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password/reset/", {"email": user.email})
    # then: the page works, nothing was sent, the row waits
    assert response.status_code == 302
    assert mail.outbox == []
    row = OutgoingEmail.objects.get(to="maria@example.com")
    assert row.state == "pending"
    # when: the broker is back and the sweep runs (past its grace period)
    celery_app.conf.task_always_eager = True
    sent = emails_sweep(now=_later())
    # then
    assert sent == 1
    assert [m.to for m in mail.outbox] == [["maria@example.com"]]
    row.refresh_from_db()
    assert row.state == "sent" and row.sent_at is not None and row.attempts == 1


def test_a_notification_fanned_out_with_the_broker_down_waits_and_is_sent_by_the_sweep(
    broker_down, django_capture_on_commit_callbacks
):
    # given
    partner = PartnerFactory()
    user = partner_login(partner)
    request_event(partner)
    # when
    dispatch(django_capture_on_commit_callbacks)
    # then
    assert mail.outbox == []
    assert OutgoingEmail.objects.get(user=user).state == "pending"
    # when
    celery_app.conf.task_always_eager = True
    emails_sweep(now=_later())
    # then
    assert [m.to for m in mail.outbox] == [[user.email]]


def test_a_queued_email_is_sent_once_however_many_senders_try(django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        key = email_queue(EmailMessage(subject="Hello", body="Hi", to=["a@example.com"]), key="once")
    # when: the task ran after the commit; it is redelivered, and the sweep runs too
    again = email_send(key=key)
    swept = emails_sweep(now=_later())
    # then
    assert (again, swept) == (False, 0)
    assert len(mail.outbox) == 1


def test_a_rolled_back_transaction_queues_no_email(django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        email_queue(EmailMessage(subject="Never", body="Hi", to=["a@example.com"]))
        raise RuntimeError
    # then
    assert not OutgoingEmail.objects.exists()
    assert mail.outbox == []


def test_a_failing_smtp_server_is_retried_later_and_given_up_in_the_end(settings, django_capture_on_commit_callbacks):
    # given: an SMTP server nobody answers at
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1
    settings.NOTIFICATIONS_EMAIL_MAX_ATTEMPTS = 2
    # when
    with django_capture_on_commit_callbacks(execute=True):
        key = email_queue(EmailMessage(subject="Hello", body="Hi", to=["a@example.com"]))
    row = OutgoingEmail.objects.get(key=key)
    # then: recorded, and due again later (not at once)
    assert (row.state, row.attempts) == ("pending", 1)
    assert row.last_error
    assert row.next_attempt_at > timezone.now()
    # when: the sweep tries again once it is due
    emails_sweep(now=_later(3600))
    row.refresh_from_db()
    # then
    assert (row.state, row.attempts) == ("failed", 2)


def test_notification_mail_to_an_address_that_bounced_after_it_was_queued_is_suppressed(
    broker_down, django_capture_on_commit_callbacks
):
    # given: a request e-mail waits (broker down), then the address bounces
    partner = PartnerFactory()
    user = partner_login(partner)
    request_event(partner)
    dispatch(django_capture_on_commit_callbacks)
    EmailBounce.objects.create(email=user.email)
    # when
    celery_app.conf.task_always_eager = True
    emails_sweep(now=_later())
    # then
    assert mail.outbox == []
    assert OutgoingEmail.objects.get(user=user).state == "suppressed"


@pytest.mark.parametrize("change", ["deactivate", "terminate"])
def test_notification_mail_to_a_login_deactivated_or_terminated_meanwhile_is_suppressed(
    broker_down, django_capture_on_commit_callbacks, change
):
    # given
    partner = PartnerFactory()
    user = partner_login(partner)
    request_event(partner)
    dispatch(django_capture_on_commit_callbacks)
    if change == "deactivate":
        type(user).objects.filter(pk=user.pk).update(is_active=False)
    else:
        type(partner).objects.filter(pk=partner.pk).update(status="terminated")
    # when
    celery_app.conf.task_always_eager = True
    emails_sweep(now=_later())
    # then
    assert mail.outbox == []
    assert OutgoingEmail.objects.get(user=user).state == "suppressed"


def test_a_notification_email_has_text_html_a_link_and_the_rfc_8058_headers(
    settings, django_capture_on_commit_callbacks
):
    # given
    settings.SITE_URL = "https://prm.example.com"
    partner = PartnerFactory(name="Helix Health")
    user = partner_login(partner, first_name="Ines", last_name="Berg")
    request_event(partner, title="Upload your insurance certificate")
    # when
    dispatch(django_capture_on_commit_callbacks)
    # then
    [message] = mail.outbox
    assert message.subject == "[OpenPRM] Request: Upload your insurance certificate"
    assert message.to == [user.email]
    assert "Hello Ines Berg" in message.body
    assert "https://prm.example.com/partner/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "Upload your insurance certificate" in html
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<https://prm.example.com/notifications/unsubscribe/") and unsubscribe.endswith("/>")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe.strip("<>") in message.body


def test_the_nightly_prune_forgets_finished_emails_past_their_retention_but_never_pending_ones(settings):
    # given: one sent, one suppressed and one pending e-mail, all 20 days old
    from prm.mail import emails_prune

    settings.NOTIFICATIONS_EMAIL_RETENTION_DAYS = 14
    old = timezone.now() - timezone.timedelta(days=20)
    for key, state in (("sent", "sent"), ("suppressed", "suppressed"), ("waiting", "pending")):
        email_queue(EmailMessage(subject=key, body="Hi", to=["a@example.com"]), key=key)
        OutgoingEmail.objects.filter(key=key).update(state=state, created_at=old)
    email_queue(EmailMessage(subject="fresh", body="Hi", to=["a@example.com"]), key="fresh")
    OutgoingEmail.objects.filter(key="fresh").update(state="sent")
    # when
    pruned = emails_prune()
    # then
    assert pruned == 2
    assert sorted(OutgoingEmail.objects.values_list("key", flat=True)) == ["fresh", "waiting"]
