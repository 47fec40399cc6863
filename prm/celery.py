"""The Celery application; its configuration is the CELERY_* block of prm/settings.py."""

import os

from celery import Celery
from celery.signals import celeryd_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prm.settings")

app = Celery("prm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.imports = ["prm.tasks"]
app.autodiscover_tasks()


@celeryd_init.connect
def _worker_broker_timeouts(conf=None, **kwargs) -> None:
    """A worker waits on the broker (BRPOP) and has no request to answer: it takes the longer
    socket timeouts of WORKER_BROKER_TIMEOUTS, while web processes keep the short ones that let
    a request go on without the broker."""
    from django.conf import settings

    conf = conf or app.conf
    conf.broker_transport_options = {**conf.broker_transport_options, **settings.WORKER_BROKER_TIMEOUTS}
