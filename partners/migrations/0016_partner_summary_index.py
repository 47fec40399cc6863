"""The dashboard groups the partners by type, status and regions (selectors.partner_summary) from
this index alone, a few megabytes, instead of reading every partner row. Built concurrently:
partners are written while the site runs."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("partners", "0015_stable_task_names"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="partner",
            index=models.Index(fields=["type", "status", "regions"], name="partner_summary"),
        ),
    ]
