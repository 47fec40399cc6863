"""Lead routing out of the box: sales and channel partners in the lead's region take leads,
preferring those of its vertical; strategic partners get three times an arm's-length partner's
share; twenty open leads and 48 hours to answer per partner type; the countries of each region.
Administrators change all of it in the admin site."""

from django.db import migrations

RULES = [
    (10, "Sales and channel partners take leads", "partner_type", True, ["sales", "channel"]),
    (20, "Partner covers the lead's region", "region", True, []),
    (30, "Prefer partners of the lead's vertical", "vertical", False, []),
]
WEIGHTS = {"arms_length": 1, "collaborative": 2, "strategic": 3}
PARTNER_TYPES = ["business", "financial", "technology", "sales", "channel", "support"]
COUNTRIES = {
    "NA": ["US", "CA"],
    "LATAM": ["MX", "BR", "AR", "CL", "CO", "PE"],
    "WE": ["GB", "FR", "NL", "BE", "ES", "IT", "IE", "PT", "LU"],
    "DACH": ["DE", "AT", "CH", "LI"],
    "NORDICS": ["SE", "NO", "DK", "FI", "IS"],
    "ME": ["AE", "SA", "IL", "QA", "TR", "KW", "BH", "OM", "JO"],
    "AF": ["ZA", "NG", "KE", "EG", "MA"],
    "ANZ": ["AU", "NZ"],
    "JP": ["JP"],
    "IN": ["IN"],
    "SEA": ["SG", "MY", "TH", "ID", "VN", "PH"],
    "GC": ["CN", "HK", "TW", "MO"],
    "EMEA": ["PL", "CZ", "HU", "RO", "GR", "SK", "SI", "HR", "BG", "EE", "LV", "LT", "UA"],
    "APAC": ["KR"],
}


def seed(apps, schema_editor):
    Rule = apps.get_model("programs", "LeadRoutingRule")
    Weight = apps.get_model("programs", "LeadWeight")
    Policy = apps.get_model("programs", "LeadPolicy")
    CountryRegion = apps.get_model("programs", "LeadCountryRegion")
    Region = apps.get_model("partners", "Region")
    if not Rule.objects.exists():
        for position, name, field, required, values in RULES:
            Rule.objects.create(position=position, name=name, field=field, required=required, values=values)
    for engagement, weight in WEIGHTS.items():
        Weight.objects.get_or_create(engagement=engagement, defaults={"weight": weight})
    for partner_type in PARTNER_TYPES:
        Policy.objects.get_or_create(partner_type=partner_type, defaults={"capacity": 20, "respond_hours": 48})
    regions = set(Region.objects.values_list("code", flat=True))
    for region, countries in COUNTRIES.items():
        if region in regions:
            for country in countries:
                CountryRegion.objects.get_or_create(country=country, defaults={"region_id": region})


def unseed(apps, schema_editor):
    for name in ("LeadRoutingRule", "LeadWeight", "LeadPolicy", "LeadCountryRegion"):
        apps.get_model("programs", name).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0015_leads"),
        ("partners", "0003_seed_regions_verticals"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
