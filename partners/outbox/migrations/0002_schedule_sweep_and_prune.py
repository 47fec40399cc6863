"""Every ten seconds, fan out events no dispatcher took; every night, prune old events."""

from django.db import migrations

SWEEP = "Fan out events left behind (outbox sweep)"
PRUNE = "Delete events past their retention (outbox prune)"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_ten_seconds, _ = IntervalSchedule.objects.get_or_create(every=10, period="seconds")
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="40", hour="3", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(
        name=SWEEP, defaults={"task": "partners.outbox.outbox_sweep", "interval": every_ten_seconds}
    )
    PeriodicTask.objects.get_or_create(
        name=PRUNE, defaults={"task": "partners.outbox.outbox_prune", "crontab": nightly}
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[SWEEP, PRUNE]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("outbox", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
