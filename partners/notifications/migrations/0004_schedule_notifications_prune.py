"""Every night, delete in-app notifications older than NOTIFICATIONS_RETENTION_DAYS."""

from django.db import migrations

PRUNE = "Delete notifications past their retention (notifications prune)"


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="55", hour="3", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(
        name=PRUNE, defaults={"task": "partners.notifications.notifications_prune", "crontab": nightly}
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=PRUNE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_schedule_email_prune"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
