"""Every hour, send the daily digests now due; every thirty seconds, send the e-mails that waited."""

from django.db import migrations

DIGESTS = "Send the daily notification digests now due"
EMAILS = "Send e-mails that waited (broker down, SMTP failing)"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_thirty_seconds, _ = IntervalSchedule.objects.get_or_create(every=30, period="seconds")
    hourly, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="*", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(
        name=DIGESTS, defaults={"task": "partners.notifications.digests_send", "crontab": hourly}
    )
    PeriodicTask.objects.get_or_create(
        name=EMAILS, defaults={"task": "prm.emails_sweep", "interval": every_thirty_seconds}
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[DIGESTS, EMAILS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
