from django.db import migrations

REGIONS = [
    ("GLOBAL", "Global", None),
    ("AMER", "Americas", "GLOBAL"),
    ("NA", "North America", "AMER"),
    ("LATAM", "Latin America", "AMER"),
    ("EMEA", "Europe, Middle East and Africa", "GLOBAL"),
    ("WE", "Western Europe", "EMEA"),
    ("DACH", "Germany, Austria and Switzerland", "EMEA"),
    ("NORDICS", "Nordics", "EMEA"),
    ("ME", "Middle East", "EMEA"),
    ("AF", "Africa", "EMEA"),
    ("APAC", "Asia Pacific", "GLOBAL"),
    ("ANZ", "Australia and New Zealand", "APAC"),
    ("JP", "Japan", "APAC"),
    ("IN", "India", "APAC"),
    ("SEA", "Southeast Asia", "APAC"),
    ("GC", "Greater China", "APAC"),
]

VERTICALS = [
    ("healthcare", "Healthcare"),
    ("manufacturing", "Manufacturing"),
    ("financial-services", "Financial services"),
    ("retail", "Retail"),
    ("public-sector", "Public sector"),
    ("education", "Education"),
    ("energy-utilities", "Energy and utilities"),
    ("telecommunications", "Telecommunications"),
    ("technology", "Technology"),
    ("life-sciences", "Life sciences"),
]


def seed(apps, schema_editor):
    Region = apps.get_model("partners", "Region")
    Vertical = apps.get_model("partners", "Vertical")
    for code, name, parent in REGIONS:  # parents come first in the list
        Region.objects.update_or_create(code=code, defaults={"name": name, "parent_id": parent})
    for slug, name in VERTICALS:
        Vertical.objects.update_or_create(slug=slug, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("partners", "0002_registry")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
