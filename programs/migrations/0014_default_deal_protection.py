"""How long approval protects a customer, per partner type, until administrators change it: the
partner types that register deals most (sales, channel) get a full quarter."""

from django.db import migrations

DEFAULTS = {"sales": 90, "channel": 90, "technology": 120, "business": 120, "financial": 60, "support": 60}


def create(apps, schema_editor):
    DealProtection = apps.get_model("programs", "DealProtection")
    for partner_type, days in DEFAULTS.items():
        DealProtection.objects.get_or_create(partner_type=partner_type, defaults={"days": days, "reminder_days": 14})


def remove(apps, schema_editor):
    apps.get_model("programs", "DealProtection").objects.filter(partner_type__in=list(DEFAULTS)).delete()


class Migration(migrations.Migration):
    dependencies = [("programs", "0013_deal_reminded_at")]

    operations = [migrations.RunPython(create, remove)]
