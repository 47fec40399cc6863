"""The dashboard groups the partners by type, status and regions (selectors.partner_summary) from
this index alone, a few megabytes, instead of reading every partner row.

Plain CREATE INDEX (writes to partners wait for it, about a second at 100,000 partners): a
CONCURRENTLY build cannot run in a transaction, and the tests migrate back and forth in one."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0015_stable_task_names"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="partner",
            index=models.Index(fields=["type", "status", "regions"], name="partner_summary"),
        ),
    ]
