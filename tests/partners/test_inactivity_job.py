from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from partners.models import Activity, Partner
from partners.services import partner_create
from partners.tasks import partners_mark_inactive_task
from tests.fixtures.worker import wait_for


def test_the_job_is_scheduled_nightly_by_beat(db):
    # when
    task = PeriodicTask.objects.get(task="partners.partners_mark_inactive")
    # then
    assert task.enabled
    assert (task.crontab.hour, task.crontab.minute) == ("2", "30")


@pytest.mark.worker
def test_the_worker_moves_quiet_partners_to_inactive_once(worker, manager):
    # given
    quiet = partner_create(actor=manager, name="Quiet", type="sales", country="US", status="active")
    Partner.objects.filter(pk=quiet.pk).update(last_activity_at=timezone.now() - timedelta(days=400))
    # when: enqueued twice, as a retried or duplicated delivery would
    with transaction.atomic():
        partners_mark_inactive_task.delay_on_commit(365)
        partners_mark_inactive_task.delay_on_commit(365)
    # then
    wait_for(
        lambda: worker.log().count("partners.partners_mark_inactive[") >= 4,  # received and succeeded, twice
        what="both deliveries to finish",
    )
    assert worker.log().count("succeeded") >= 2
    assert Partner.objects.get(pk=quiet.pk).status == "inactive"
    assert Activity.objects.filter(partner=quiet, kind=Activity.Kind.STATUS_CHANGED).count() == 1
