"""Beat's stored schedules name the tasks by their new, explicit names (programs.strategies.<service>),
which no longer follow module paths; reversing restores the old dotted paths."""

from django.db import migrations
from django.utils import timezone

RENAMED = {
    "programs.strategies.tasks.run_scheduled": "programs.strategies.strategy_run_scheduled",
    "programs.strategies.tasks.watch_runs": "programs.strategies.runs_watch",
    "programs.strategies.tasks.plan_run": "programs.strategies.run_plan",
    "programs.strategies.tasks.evaluate_chunk": "programs.strategies.chunk_evaluate",
    "programs.strategies.tasks.finish_run": "programs.strategies.run_finish",
    "programs.strategies.tasks.reevaluate_partner": "programs.strategies.partner_reevaluate",
}


def rename(names: dict[str, str]):
    def run(apps, schema_editor):
        PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
        changed = 0
        for old, new in names.items():
            changed += PeriodicTask.objects.filter(task=old).update(task=new)
        if changed:
            # a queryset update sends no signal: touch the marker beat watches, so a running beat reloads
            PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
            PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0007_default_strategies_ask_partners"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(rename(RENAMED), rename({new: old for old, new in RENAMED.items()})),
    ]
