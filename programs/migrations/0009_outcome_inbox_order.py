"""The inbox's two lists walk an index in their own order (outcome_list: due first, undated last,
newest first) and stop after one page, instead of sorting every open outcome: one's own outcomes
(assignee, state, …) and everyone's (state, …). The first replaces ``outcome_inbox`` (assignee,
state, due_on), whose leading columns it keeps. Built concurrently: outcomes are written while
the site runs."""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False  # CREATE / DROP INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("programs", "0008_stable_task_names"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="outcome",
            index=models.Index(fields=["assignee", "state", "due_on", "-created_at", "-id"], name="outcome_inbox_mine"),
        ),
        AddIndexConcurrently(
            model_name="outcome",
            index=models.Index(fields=["state", "due_on", "-created_at", "-id"], name="outcome_inbox_all"),
        ),
        RemoveIndexConcurrently(model_name="outcome", name="outcome_inbox"),
    ]
