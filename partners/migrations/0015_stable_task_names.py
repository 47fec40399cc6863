"""Beat's stored nightly inactivity job names its task by the new, explicit name
(partners.partners_mark_inactive), which no longer follows the module path; reversing restores it."""

from django.db import migrations
from django.utils import timezone

RENAMED = {"partners.tasks.mark_inactive_partners": "partners.partners_mark_inactive"}


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
        ("partners", "0014_invitation_user_login_audit"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(rename(RENAMED), rename({new: old for old, new in RENAMED.items()})),
    ]
