"""Give each default strategy its periodic task in django-celery-beat (editable afterwards)."""

import json

from django.db import migrations


def schedule(apps, schema_editor):
    Strategy = apps.get_model("programs", "Strategy")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for strategy in Strategy.objects.all():
        minute, hour, day_of_month, month_of_year, day_of_week = strategy.schedule.split()
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_month=day_of_month, month_of_year=month_of_year,
            day_of_week=day_of_week, timezone="UTC",
        )  # fmt: skip
        PeriodicTask.objects.update_or_create(
            kwargs=json.dumps({"strategy_id": strategy.pk}),
            task="programs.strategies.tasks.run_scheduled",
            defaults={"name": f"Strategy {strategy.pk}: {strategy.name}", "crontab": crontab,
                      "enabled": strategy.is_active},
        )  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("programs", "0003_schedule_run_watchdog")]

    operations = [migrations.RunPython(schedule, migrations.RunPython.noop)]
