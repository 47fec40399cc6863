"""The weighted round robin becomes stride scheduling: a partner's credit becomes its pass. The
old credits (smooth round robin, highest first) mean nothing as passes (lowest first), so every
partner starts again at 0, on equal terms."""

from django.db import migrations, models


def restart(apps, schema_editor):
    apps.get_model("programs", "LeadCredit").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0020_default_strategies_read_deals"),
    ]

    operations = [
        migrations.RenameField(model_name="leadcredit", old_name="credit", new_name="pass_value"),
        migrations.RunPython(restart, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="leadrouting",
            name="pool",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="The final pool: size, total weight, the chosen one's pass, the next in line.",
            ),
        ),
    ]
