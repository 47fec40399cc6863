"""The daily digest: at each user's hour on the user's clock, once per local day, whatever the beats."""

import threading
from datetime import UTC, datetime

import pytest
from django.core import mail
from django.db import connection

from partners.notifications.digest import DIGEST_SHOWN, digests_send
from partners.notifications.models import Digest, Notification, NotificationSchedule
from tests.factories import UserFactory
from tests.notifications.helpers import dispatch, outcome_event
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _early_on_the_digest_day(time_machine):
    """The notifications are made early on the day the digests are sent (whatever day the suite runs)."""
    time_machine.move_to(datetime(2026, 12, 4, 6, 0, tzinfo=UTC))


def _waiting_outcomes(capture, owner, *titles):
    partner = PartnerFactory(owner=owner, name="Helix Health")
    for title in titles:
        outcome_event(partner, title=title)
    dispatch(capture)


def test_a_digest_gathers_the_days_notifications_in_one_email_at_the_users_hour(django_capture_on_commit_callbacks):
    # given: Maria (Berlin, 9:00) has two outcomes waiting for her digest
    maria = UserFactory(email="maria@example.com", username="maria@example.com")
    NotificationSchedule.objects.create(user=maria, digest_hour=9, time_zone="Europe/Berlin")
    _waiting_outcomes(django_capture_on_commit_callbacks, maria, "Re-engage Helix", "Renew the agreement")
    # when: 7:00 UTC is 8:00 in Berlin (winter): too early
    with django_capture_on_commit_callbacks(execute=True):
        early = digests_send(now=datetime(2026, 12, 4, 7, 0, tzinfo=UTC))
    # then
    assert early == 0
    assert mail.outbox == []
    # when: 8:00 UTC is 9:00 in Berlin
    with django_capture_on_commit_callbacks(execute=True):
        sent = digests_send(now=datetime(2026, 12, 4, 8, 0, tzinfo=UTC))
    # then
    assert sent == 1
    [message] = mail.outbox
    assert message.to == ["maria@example.com"]
    assert message.subject == "[OpenPRM] Your daily digest: 2 notifications"
    assert "Re-engage Helix" in message.body and "Renew the agreement" in message.body
    assert "New outcomes for your partners" in message.body
    html = message.alternatives[0][0]
    assert "Re-engage Helix" in html
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    digest = Digest.objects.get(user=maria)
    assert str(digest.local_date) == "2026-12-04"
    assert set(Notification.objects.filter(user=maria).values_list("digest_id", flat=True)) == {digest.pk}


def test_a_double_beat_sends_one_digest_per_user_per_day(django_capture_on_commit_callbacks):
    # given
    maria = UserFactory()
    _waiting_outcomes(django_capture_on_commit_callbacks, maria, "Re-engage Helix")
    at_nine = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)  # the default: 8:00 UTC, so 9:00 is past it
    # when: beat fires twice (a retry), then again later the same day after a new notification
    with django_capture_on_commit_callbacks(execute=True):
        first = digests_send(now=at_nine)
        second = digests_send(now=at_nine)
    _waiting_outcomes(django_capture_on_commit_callbacks, maria, "Another one")
    with django_capture_on_commit_callbacks(execute=True):
        later = digests_send(now=datetime(2026, 12, 4, 15, 0, tzinfo=UTC))
    # then: one digest today; the later notification waits for tomorrow's
    assert (first, second, later) == (1, 0, 0)
    assert len(mail.outbox) == 1
    assert Digest.objects.filter(user=maria).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        tomorrow = digests_send(now=datetime(2026, 12, 5, 8, 0, tzinfo=UTC))
    assert tomorrow == 1
    assert "Another one" in mail.outbox[1].body


def test_nothing_to_say_sends_nothing_and_claims_no_day(django_capture_on_commit_callbacks):
    # given: a user with a digest hour but no notification
    UserFactory()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        sent = digests_send(now=datetime(2026, 12, 4, 9, 0, tzinfo=UTC))
    # then
    assert sent == 0
    assert mail.outbox == []
    assert not Digest.objects.exists()


def test_a_deactivated_user_gets_no_digest(django_capture_on_commit_callbacks):
    # given
    maria = UserFactory()
    _waiting_outcomes(django_capture_on_commit_callbacks, maria, "Re-engage Helix")
    type(maria).objects.filter(pk=maria.pk).update(is_active=False)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        digests_send(now=datetime(2026, 12, 4, 9, 0, tzinfo=UTC))
    # then
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_two_workers_beating_at_once_send_one_digest(settings):
    # given: two users' digests waiting, committed
    settings.CELERY_TASK_ALWAYS_EAGER = True
    maria, tom = UserFactory(), UserFactory()
    for user in (maria, tom):
        partner = PartnerFactory(owner=user)
        outcome_event(partner, title=f"For {user.pk}")
    from partners.outbox.services import outbox_dispatch

    outbox_dispatch()
    mail.outbox = []
    at_nine = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    results, errors = [], []
    barrier = threading.Barrier(4)

    def beat():
        try:
            barrier.wait()
            results.append(digests_send(now=at_nine))
        except Exception as exc:  # pragma: no cover - shown by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    # when: four beats at the same moment, each in its own thread and database session
    threads = [threading.Thread(target=beat) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then: each user's day claimed once, one e-mail each
    assert errors == []
    assert sum(results) == 2
    assert Digest.objects.count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([maria.email, tom.email])


def test_a_busy_day_lists_the_newest_of_each_category_and_counts_the_rest(django_capture_on_commit_callbacks):
    # given: a run left Maria more outcomes than a digest lists
    maria = UserFactory()
    titles = [f"Outcome {number}" for number in range(DIGEST_SHOWN + 3)]
    _waiting_outcomes(django_capture_on_commit_callbacks, maria, *titles)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        sent = digests_send(now=datetime(2026, 12, 4, 9, 0, tzinfo=UTC))
    # then: every notification joins the digest, the e-mail lists the newest and links the rest
    assert sent == 1
    [message] = mail.outbox
    assert message.subject == f"[OpenPRM] Your daily digest: {DIGEST_SHOWN + 3} notifications"
    assert f"Outcome {DIGEST_SHOWN + 2}\n" in message.body
    assert "Outcome 2\n" not in message.body
    assert "- and 3 more: http" in message.body
    assert "and 3 more</a>" in message.alternatives[0][0]
    assert Notification.objects.filter(user=maria, digest__isnull=False).count() == DIGEST_SHOWN + 3
