"""Every hour, announce deal protections that end soon and expire those that have ended."""

from django.db import migrations

NAME = "Expire deal registrations past their protection (deals expire)"
REMIND = "Announce deal protections that end soon (deals remind)"


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    hourly, _ = CrontabSchedule.objects.get_or_create(
        minute="20", hour="*", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(name=NAME, defaults={"task": "programs.deals.deals_expire", "crontab": hourly})
    PeriodicTask.objects.get_or_create(name=REMIND, defaults={"task": "programs.deals.deals_remind", "crontab": hourly})


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[NAME, REMIND]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0011_deals"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
