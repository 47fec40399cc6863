"""Every minute, restart imports whose worker died; every night, forget old imports."""

from django.db import migrations

WATCH = "Restart imports whose worker died (imports watch)"
PRUNE = "Delete imports past their retention (imports prune)"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="50", hour="3", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(
        name=WATCH, defaults={"task": "partners.imports.imports_watch", "interval": every_minute}
    )
    PeriodicTask.objects.get_or_create(
        name=PRUNE, defaults={"task": "partners.imports.imports_prune", "crontab": nightly}
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[WATCH, PRUNE]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
