"""Where demo partners are: leaf regions, their countries, and each country's habits.

The leaf regions are the ones seeded by migration 0003; a partner's HQ country always lies in
one of them. Phone patterns use ``#`` for a digit; legal forms are ``str.format`` templates,
because in some countries the form comes first ("PT Nusantara Data").
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    people: str  # key of people.NAMES
    flavour: str  # key of companies.LOCAL_BRANDS / LOCAL_FIELDS
    phones: tuple[str, ...]
    legal_forms: tuple[tuple[str, int], ...]


def _country(code, name, people, flavour, phones, forms) -> Country:
    return Country(code, name, people, flavour, tuple(phones), tuple(forms))


COUNTRIES: dict[str, Country] = {
    c.code: c
    for c in (
        # North America
        _country("US", "the United States", "en", "en", ["+1 212 ###-####", "+1 415 ###-####", "+1 312 ###-####",
                 "+1 617 ###-####", "+1 512 ###-####", "+1 206 ###-####", "+1 404 ###-####"],
                 [("{} Inc.", 50), ("{} LLC", 40), ("{} Corp.", 10)]),
        _country("CA", "Canada", "en", "en", ["+1 416 ###-####", "+1 604 ###-####", "+1 514 ###-####"],
                 [("{} Inc.", 60), ("{} Ltd.", 40)]),
        # Latin America
        _country("MX", "Mexico", "es", "es", ["+52 55 #### ####", "+52 33 #### ####", "+52 81 #### ####"],
                 [("{} S.A. de C.V.", 70), ("{} S. de R.L. de C.V.", 30)]),
        _country("BR", "Brazil", "pt", "pt", ["+55 11 ####-####", "+55 21 ####-####", "+55 31 ####-####"],
                 [("{} Ltda.", 70), ("{} S.A.", 30)]),
        _country("AR", "Argentina", "es", "es", ["+54 11 ####-####"], [("{} S.A.", 55), ("{} S.R.L.", 45)]),
        _country("CL", "Chile", "es", "es", ["+56 2 #### ####"], [("{} SpA", 60), ("{} S.A.", 40)]),
        _country("CO", "Colombia", "es", "es", ["+57 601 ### ####", "+57 604 ### ####"], [("{} S.A.S.", 1)]),
        _country("PE", "Peru", "es", "es", ["+51 1 ### ####"], [("{} S.A.C.", 1)]),
        # Western Europe
        _country("GB", "the United Kingdom", "en", "en", ["+44 20 #### ####", "+44 161 ### ####",
                 "+44 131 ### ####", "+44 117 ### ####"], [("{} Ltd", 90), ("{} plc", 10)]),
        _country("IE", "Ireland", "en", "en", ["+353 1 ### ####", "+353 21 ### ####"],
                 [("{} Ltd", 85), ("{} DAC", 15)]),
        _country("FR", "France", "fr", "fr", ["+33 1 ## ## ## ##", "+33 4 ## ## ## ##", "+33 5 ## ## ## ##"],
                 [("{} SAS", 65), ("{} SA", 20), ("{} SARL", 15)]),
        _country("NL", "the Netherlands", "nl", "nl", ["+31 20 ### ####", "+31 10 ### ####", "+31 30 ### ####"],
                 [("{} B.V.", 1)]),
        _country("BE", "Belgium", "nl", "nl", ["+32 2 ### ## ##", "+32 3 ### ## ##", "+32 9 ### ## ##"],
                 [("{} BV", 60), ("{} NV", 40)]),
        _country("LU", "Luxembourg", "fr", "fr", ["+352 ## ## ##"], [("{} S.à r.l.", 70), ("{} S.A.", 30)]),
        _country("ES", "Spain", "es", "es", ["+34 91 ### ## ##", "+34 93 ### ## ##"],
                 [("{} S.L.", 70), ("{} S.A.", 30)]),
        _country("PT", "Portugal", "pt", "pt", ["+351 21 ### ####", "+351 22 ### ####"],
                 [("{} Lda.", 70), ("{} S.A.", 30)]),
        _country("IT", "Italy", "it", "it", ["+39 02 #### ####", "+39 06 #### ####", "+39 011 ### ####"],
                 [("{} S.r.l.", 70), ("{} S.p.A.", 30)]),
        # DACH
        _country("DE", "Germany", "de", "de", ["+49 30 #######", "+49 89 #######", "+49 40 ########",
                 "+49 69 #######", "+49 221 #######", "+49 711 #######", "+49 151 ########"],
                 [("{} GmbH", 75), ("{} AG", 12), ("{} GmbH & Co. KG", 13)]),
        _country("AT", "Austria", "de", "de", ["+43 1 #######", "+43 662 ######", "+43 316 ######"],
                 [("{} GmbH", 85), ("{} AG", 15)]),
        _country("CH", "Switzerland", "de", "de", ["+41 44 ### ## ##", "+41 31 ### ## ##", "+41 61 ### ## ##"],
                 [("{} AG", 60), ("{} GmbH", 40)]),
        # Nordics
        _country("SE", "Sweden", "nordic", "nordic", ["+46 8 ### ### ##", "+46 31 ### ## ##"], [("{} AB", 1)]),
        _country("NO", "Norway", "nordic", "nordic", ["+47 ## ## ## ##"], [("{} AS", 90), ("{} ASA", 10)]),
        _country("DK", "Denmark", "nordic", "nordic", ["+45 ## ## ## ##"], [("{} ApS", 60), ("{} A/S", 40)]),
        _country("FI", "Finland", "fi", "nordic", ["+358 9 #### ####", "+358 40 ### ####"],
                 [("{} Oy", 90), ("{} Oyj", 10)]),
        _country("IS", "Iceland", "nordic", "nordic", ["+354 ### ####"], [("{} ehf.", 1)]),
        # Middle East
        _country("AE", "the United Arab Emirates", "ar", "ar", ["+971 4 ### ####", "+971 2 ### ####"],
                 [("{} FZ-LLC", 55), ("{} LLC", 45)]),
        _country("SA", "Saudi Arabia", "ar", "ar", ["+966 11 ### ####", "+966 12 ### ####"],
                 [("{} LLC", 70), ("{} Co.", 30)]),
        _country("QA", "Qatar", "ar", "ar", ["+974 #### ####"], [("{} W.L.L.", 60), ("{} LLC", 40)]),
        _country("IL", "Israel", "he", "he", ["+972 3 ###-####", "+972 2 ###-####"], [("{} Ltd.", 1)]),
        _country("TR", "Türkiye", "tr", "tr", ["+90 212 ### ## ##", "+90 312 ### ## ##"],
                 [("{} A.Ş.", 55), ("{} Ltd. Şti.", 45)]),
        # Africa
        _country("ZA", "South Africa", "af", "af", ["+27 11 ### ####", "+27 21 ### ####"],
                 [("{} (Pty) Ltd", 90), ("{} Ltd", 10)]),
        _country("NG", "Nigeria", "af", "af", ["+234 1 ### ####", "+234 803 ### ####"],
                 [("{} Ltd", 80), ("{} Plc", 20)]),
        _country("KE", "Kenya", "af", "af", ["+254 20 ### ####", "+254 722 ######"], [("{} Ltd", 1)]),
        _country("EG", "Egypt", "ar", "ar", ["+20 2 #### ####"], [("{} S.A.E.", 50), ("{} LLC", 50)]),
        _country("MA", "Morocco", "ar", "fr", ["+212 522-######"], [("{} SARL", 70), ("{} SA", 30)]),
        # Asia Pacific
        _country("AU", "Australia", "en", "anz", ["+61 2 #### ####", "+61 3 #### ####", "+61 412 ### ###"],
                 [("{} Pty Ltd", 1)]),
        _country("NZ", "New Zealand", "en", "anz", ["+64 9 ### ####", "+64 4 ### ####"], [("{} Ltd", 1)]),
        _country("JP", "Japan", "ja", "ja", ["+81 3-####-####", "+81 6-####-####", "+81 52-###-####"],
                 [("{} KK", 80), ("{} GK", 20)]),
        _country("IN", "India", "in", "in", ["+91 22 #### ####", "+91 80 #### ####", "+91 98### #####"],
                 [("{} Pvt Ltd", 85), ("{} Ltd", 15)]),
        _country("SG", "Singapore", "sg", "sea", ["+65 6### ####", "+65 9### ####"], [("{} Pte Ltd", 1)]),
        _country("MY", "Malaysia", "ms", "sea", ["+60 3-#### ####"], [("{} Sdn Bhd", 1)]),
        _country("TH", "Thailand", "th", "sea", ["+66 2 ### ####"], [("{} Co., Ltd.", 1)]),
        _country("ID", "Indonesia", "ms", "sea", ["+62 21 #### ####"], [("PT {}", 1)]),
        _country("VN", "Vietnam", "vi", "sea", ["+84 28 #### ####", "+84 24 #### ####"],
                 [("{} Co., Ltd", 70), ("{} JSC", 30)]),
        _country("PH", "the Philippines", "ph", "sea", ["+63 2 #### ####"], [("{} Inc.", 60), ("{} Corp.", 40)]),
        _country("CN", "China", "zh", "zh", ["+86 10 #### ####", "+86 21 #### ####", "+86 755 #### ####"],
                 [("{} Co., Ltd.", 1)]),
        _country("HK", "Hong Kong", "sg", "zh", ["+852 #### ####"], [("{} Limited", 1)]),
        _country("TW", "Taiwan", "zh", "zh", ["+886 2 #### ####"], [("{} Co., Ltd.", 1)]),
    )
}  # fmt: skip

# leaf region → (area, its countries with their weight among that region's partners)
REGIONS: dict[str, tuple[str, tuple[tuple[str, int], ...]]] = {
    "NA": ("AMER", (("US", 85), ("CA", 15))),
    "LATAM": ("AMER", (("MX", 30), ("BR", 35), ("AR", 12), ("CL", 9), ("CO", 9), ("PE", 5))),
    "WE": ("EMEA", (("GB", 30), ("FR", 22), ("NL", 14), ("BE", 7), ("ES", 10), ("IT", 10), ("IE", 4),
                    ("PT", 2), ("LU", 1))),
    "DACH": ("EMEA", (("DE", 70), ("AT", 14), ("CH", 16))),
    "NORDICS": ("EMEA", (("SE", 35), ("NO", 22), ("DK", 23), ("FI", 17), ("IS", 3))),
    "ME": ("EMEA", (("AE", 40), ("SA", 20), ("IL", 22), ("QA", 6), ("TR", 12))),
    "AF": ("EMEA", (("ZA", 45), ("NG", 20), ("KE", 15), ("EG", 12), ("MA", 8))),
    "ANZ": ("APAC", (("AU", 80), ("NZ", 20))),
    "JP": ("APAC", (("JP", 1),)),
    "IN": ("APAC", (("IN", 1),)),
    "SEA": ("APAC", (("SG", 35), ("MY", 18), ("TH", 14), ("ID", 14), ("VN", 10), ("PH", 9))),
    "GC": ("APAC", (("CN", 50), ("HK", 25), ("TW", 25))),
}  # fmt: skip

# how the demo's partners are spread over the world (by HQ region)
HQ_REGION_WEIGHTS: tuple[tuple[str, int], ...] = (
    ("NA", 24), ("WE", 18), ("DACH", 12), ("NORDICS", 5), ("LATAM", 7), ("ME", 4), ("AF", 3),
    ("ANZ", 5), ("JP", 5), ("IN", 6), ("SEA", 7), ("GC", 4),
)  # fmt: skip

REGION_NAMES: dict[str, str] = {
    "AMER": "the Americas", "EMEA": "EMEA", "APAC": "Asia Pacific", "NA": "North America",
    "LATAM": "Latin America", "WE": "Western Europe", "DACH": "the DACH region", "NORDICS": "the Nordics",
    "ME": "the Middle East", "AF": "Africa", "ANZ": "Australia and New Zealand", "JP": "Japan", "IN": "India",
    "SEA": "Southeast Asia", "GC": "Greater China",
}  # fmt: skip


def region_codes() -> set[str]:
    """Every region code the generator may write: the leaves and their areas."""
    return set(REGIONS) | {area for area, _ in REGIONS.values()}


def countries_of(region: str) -> set[str]:
    """Countries inside a region code, leaf or area."""
    return {
        code for leaf, (area, countries) in REGIONS.items() if region in (leaf, area, "GLOBAL") for code, _ in countries
    }
