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
    _survive_broker_loss_with_unacked_messages()


def _survive_broker_loss_with_unacked_messages() -> None:
    """Keep the worker alive when the broker goes away while it holds unacknowledged messages.

    On a lost connection the consumer collects the connection (its transport forgets the broker's
    address) and then closes it; closing the channel tries to put the unacknowledged messages
    (late acks, a countdown's ETA) back on their queues, which needs a new Redis pool built from
    that forgotten address: an AttributeError the consumer does not expect, so the worker stopped
    with "Unrecoverable error" instead of reconnecting. Answering a connection error there lets the
    close go on and the worker reconnect; the messages stay in the broker's unacked set, which
    kombu restores after the visibility timeout (and the outbox sweep and run watchdog redo their
    work anyway).
    """
    from kombu.transport import redis as kombu_redis
    from redis.exceptions import ConnectionError as RedisConnectionError

    connparams = kombu_redis.Channel._connparams
    if getattr(connparams, "survives_closed_transport", False):
        return

    def _connparams(self, asynchronous=False):
        if self.connection.client is None:
            raise RedisConnectionError("the broker connection is closed")
        return connparams(self, asynchronous=asynchronous)

    _connparams.survives_closed_transport = True
    kombu_redis.Channel._connparams = _connparams
