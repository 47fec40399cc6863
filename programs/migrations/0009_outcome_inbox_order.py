"""The inbox's two lists walk an index in their own order (outcome_list: due first, undated last,
newest first) and stop after one page, instead of sorting every open outcome: one's own outcomes
(assignee, state, …) and everyone's (state, …). The first replaces ``outcome_inbox`` (assignee,
state, due_on), whose leading columns it keeps.

Plain CREATE INDEX (writes to outcomes wait for it, seconds at a few hundred thousand outcomes):
a CONCURRENTLY build cannot run in a transaction, and the tests migrate back and forth in one."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0008_stable_task_names"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="outcome",
            index=models.Index(fields=["assignee", "state", "due_on", "-created_at", "-id"], name="outcome_inbox_mine"),
        ),
        migrations.AddIndex(
            model_name="outcome",
            index=models.Index(fields=["state", "due_on", "-created_at", "-id"], name="outcome_inbox_all"),
        ),
        migrations.RemoveIndex(model_name="outcome", name="outcome_inbox"),
    ]
