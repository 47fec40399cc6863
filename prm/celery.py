"""The Celery application; its configuration is the CELERY_* block of prm/settings.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prm.settings")

app = Celery("prm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.imports = ["prm.tasks"]
app.autodiscover_tasks()
