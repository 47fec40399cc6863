"""How the demo population is mixed: types, statuses, engagement, verticals, sizes, activity rates."""

from partners.demo import geo, people
from partners.demo.draw import Weighted

TYPES = Weighted(
    [("channel", 30), ("sales", 20), ("technology", 17), ("support", 13), ("business", 12), ("financial", 8)]
)
STATUSES = Weighted([("active", 58), ("onboarding", 12), ("prospect", 13), ("inactive", 10), ("terminated", 7)])
ENGAGEMENTS = {  # (arm's length, collaborative, strategic) by type: banks keep their distance
    type: Weighted(zip(("arms_length", "collaborative", "strategic"), weights, strict=True))
    for type, weights in {
        "business": (20, 55, 25),
        "financial": (65, 30, 5),
        "technology": (15, 60, 25),
        "sales": (30, 60, 10),
        "channel": (15, 68, 17),
        "support": (25, 65, 10),
    }.items()
}
# verticals each type leans to; a vertical not listed here (added by an admin) weighs 5
VERTICAL_WEIGHTS: dict[str, dict[str, int]] = {
    "default": {"healthcare": 14, "manufacturing": 14, "financial-services": 10, "retail": 12, "public-sector": 9,
                "education": 7, "energy-utilities": 7, "telecommunications": 7, "technology": 12, "life-sciences": 8},
    "technology": {"healthcare": 6, "manufacturing": 6, "financial-services": 5, "retail": 4, "public-sector": 3,
                   "education": 3, "energy-utilities": 3, "telecommunications": 25, "technology": 40,
                   "life-sciences": 5},
    "financial": {"healthcare": 4, "manufacturing": 4, "financial-services": 60, "retail": 6, "public-sector": 4,
                  "education": 2, "energy-utilities": 6, "telecommunications": 3, "technology": 8, "life-sciences": 3},
    "support": {"healthcare": 12, "manufacturing": 12, "financial-services": 8, "retail": 10, "public-sector": 8,
                "education": 6, "energy-utilities": 6, "telecommunications": 12, "technology": 18,
                "life-sciences": 8},
}  # fmt: skip
UNKNOWN_VERTICAL_WEIGHT = 5
VERTICAL_COUNT = Weighted([(1, 45), (2, 35), (3, 20)])
EXTRA_REGIONS = Weighted([(0, 72), (1, 20), (2, 8)])
CONTACT_COUNT = Weighted([(1, 15), (2, 30), (3, 27), (4, 17), (5, 11)])
OTHER_ROLES = Weighted(people.OTHER_ROLES)
INTERACTIONS = Weighted([("note", 30), ("email", 30), ("call", 25), ("meeting", 15)])
INTERACTIONS_PER_YEAR = {"arms_length": 4.0, "collaborative": 8.0, "strategic": 13.0}
STATUS_ACTIVITY = {"prospect": 0.7, "onboarding": 2.0, "active": 1.0, "inactive": 0.8, "terminated": 0.7}

HQ_REGIONS = Weighted(geo.HQ_REGION_WEIGHTS)
NEIGHBOURS = {  # the other leaf regions of the same area, e.g. DACH → WE, NORDICS, ME, AF
    leaf: Weighted(
        (other, weight) for other, weight in geo.HQ_REGION_WEIGHTS if other != leaf and geo.REGIONS[other][0] == area
    )
    for leaf, (area, _) in geo.REGIONS.items()
}
COUNTRIES_OF = {region: Weighted(countries) for region, (_, countries) in geo.REGIONS.items()}
LEGAL_FORMS = {code: Weighted(country.legal_forms) for code, country in geo.COUNTRIES.items()}
PHONE_FORMATS = {  # "+49 30 #######" → ("+49 30 {}{}{}{}{}{}{}", 7)
    code: [(pattern.replace("#", "{}"), pattern.count("#")) for pattern in country.phones]
    for code, country in geo.COUNTRIES.items()
}
