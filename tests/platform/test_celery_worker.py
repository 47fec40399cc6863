import uuid

import pytest
from django.core.mail import EmailMessage
from django.db import transaction

from prm.celery import app as celery_app
from prm.mail import email_serialize
from prm.tasks import email_deliver_task
from tests.fixtures.worker import wait_for

pytestmark = pytest.mark.worker


def _message(subject: str) -> dict:
    return email_serialize(EmailMessage(subject=subject, body="hello", to=["someone@example.com"]))


class Rollback(Exception):
    pass


def test_task_enqueued_in_a_committed_transaction_runs_in_the_worker(worker):
    # given
    subject = f"committed-{uuid.uuid4().hex}"
    # when
    with transaction.atomic():
        email_deliver_task.delay_on_commit(_message(subject))
    # then
    wait_for(lambda: subject in worker.mails(), what="the worker to send the e-mail")
    assert worker.mails().count(subject) == 1


def test_task_enqueued_in_a_rolled_back_transaction_never_runs(worker):
    # given
    rolled_back = f"rolled-back-{uuid.uuid4().hex}"
    marker = f"marker-{uuid.uuid4().hex}"
    # when
    with pytest.raises(Rollback), transaction.atomic():
        email_deliver_task.delay_on_commit(_message(rolled_back))
        raise Rollback
    # the worker runs one task at a time in order: once the marker is sent, anything
    # published before it has been handled
    with transaction.atomic():
        email_deliver_task.delay_on_commit(_message(marker))
    wait_for(lambda: marker in worker.mails(), what="the marker e-mail")
    # then
    assert rolled_back not in worker.mails()
    with celery_app.connection_for_write() as conn:
        assert conn.default_channel.client.llen("celery") == 0


def test_a_redelivered_email_task_sends_once(worker):
    # given: the same payload delivered twice, as after a lost acknowledgement
    subject = f"twice-{uuid.uuid4().hex}"
    payload = _message(subject)
    # when
    email_deliver_task.delay(payload)
    email_deliver_task.delay(payload)
    marker = f"marker-{uuid.uuid4().hex}"
    email_deliver_task.delay(_message(marker))
    wait_for(lambda: marker in worker.mails(), what="the marker e-mail")
    # then
    assert worker.mails().count(f"Subject: {subject}") == 1
