"""The inbox's "waiting on partners" list walks its own partial indexes in the inbox's order (due
first, undated last, newest first) and stops after a page: open requests addressed to partners, one's
own (assignee, …) and everyone's. The inbox indexes hold every state and audience, so a walk of
them for these requests would read past every manager's task first; the partial ones hold only
the open requests (a few hundred thousand at a million partners), and cost nothing to outcomes
in other states.

Plain CREATE INDEX, as 0009 (writes to outcomes wait for it, seconds at a few hundred thousand
outcomes): a CONCURRENTLY build cannot run in a transaction, and the tests migrate back and forth
in one."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0009_outcome_inbox_order"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="outcome",
            index=models.Index(
                condition=models.Q(("audience", "partner"), ("state", "open")),
                fields=["assignee", "due_on", "-created_at", "-id"],
                name="outcome_waiting_mine",
            ),
        ),
        migrations.AddIndex(
            model_name="outcome",
            index=models.Index(
                condition=models.Q(("audience", "partner"), ("state", "open")),
                fields=["due_on", "-created_at", "-id"],
                name="outcome_waiting_all",
            ),
        ),
    ]
