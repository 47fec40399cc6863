"""Company names from word lists: "Helix Health Systems", "Nordwind Logistik", "Hale & Finch Capital".

A name combines a brand (a common word, a coined one or a local one) with what the company
does (its first vertical, in English or in the local language) and what kind of partner it
is. The legal form is added by the generator from the HQ country (geo.COUNTRIES).
"""

from partners.demo.draw import Draw, pick


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split(", "))


BRANDS = _words(
    "Helix, Kestrel, Aurora, Granite, Summit, Harbor, Cobalt, Meridian, Vertex, Atlas, Nimbus, Orion, Polaris, "
    "Quartz, Redwood, Sapphire, Tidewater, Willow, Zephyr, Beacon, Cedar, Crescent, Ember, Falcon, Glacier, "
    "Horizon, Ironwood, Juniper, Lighthouse, Maple, Northstar, Oakridge, Pinnacle, Riverstone, Sequoia, "
    "Silverline, Stonebridge, Trident, Upland, Vanguard, Westbrook, Bluefin, Brightwater, Copperleaf, Driftwood, "
    "Evergreen, Foxglove, Greenfield, Highland, Keystone, Lakeshore, Larkspur, Moonstone, Netherby, Oakmont, "
    "Pathfinder, Quicksilver, Rosewood, Saltmarsh, Skyline, Starling, Sterling, Thornbury, Wildflower, Wren, "
    "Albatross, Amber, Anchor, Arbor, Aspen, Basalt, Birchwood, Bluebird, Boulder, Brookside, Canyon, Cardinal, "
    "Cascade, Citadel, Clearwater, Compass, Coral, Cypress, Ebony, Fairway, Fieldstone, Firefly, Flint, "
    "Garnet, Goldcrest, Halcyon, Hawthorn, Heron, Indigo, Ivory, Jasper, Kingfisher, Lantern, Linden, Lumen, "
    "Magnolia, Marble, Mistral, Monarch, Obsidian, Osprey, Peregrine, Pioneer, Prairie, Quill, Raven, Sable, "
    "Sentinel, Shoreline, Solstice, Sparrow, Spruce, Tamarack, Timber, Topaz, Tundra, Vista, Waypoint, Yarrow"
)

# coined brands: head + tail → "Novatek", "Zentrix", "Lumipath"
COIN_HEADS = _words(
    "Nova, Zen, Quant, Veri, Axi, Lumi, Cogni, Syn, Inno, Tera, Opti, Medi, Omni, Neo, Acu, Vela, Xeno, "
    "Ambi, Cura, Duo, Elev, Fluxo, Gravi, Hexa, Inte, Kine, Lexi, Moxi, Nexo, Orbi, Pura, Sensi, Trivi"
)
COIN_TAILS = _words("tek, trix, via, sys, logic, nex, ware, sphere, point, wise, lytics, gen, stream, path, line")

# what the company does, by its first vertical
FIELDS: dict[str, tuple[str, ...]] = {
    "healthcare": _words("Health, Health Systems, Medical, Care, MedTech, Clinical, Healthcare IT"),
    "manufacturing": _words("Industrial, Manufacturing, Automation, Machine Works, Industrial Systems, Robotics"),
    "financial-services": _words("Finance, FinTech, Payments, Banking Solutions, Risk Analytics, Ledger"),
    "retail": _words("Retail, Commerce, Retail Systems, Store Solutions, Omnichannel, Merchandising"),
    "public-sector": _words("Public Solutions, GovTech, Civic Systems, Public IT, Municipal Software"),
    "education": _words("Learning, EdTech, Education, Academy, Campus Systems, Training"),
    "energy-utilities": _words("Energy, Power, Grid, Utilities, Renewables, Smart Energy"),
    "telecommunications": _words("Telecom, Networks, Communications, Connect, Fiber, Wireless"),
    "technology": _words("Data, Analytics, Cloud, Software, Digital, IT, Systems, Labs, Technologies, AI"),
    "life-sciences": _words("Bio, Life Sciences, Genomics, Pharma Solutions, BioAnalytics, Lab Systems"),
}
GENERIC_FIELDS = _words("Digital, IT, Systems, Solutions, Technologies, Data")

# what kind of partner it is (an empty tail keeps the name short: "Kestrel Analytics")
TAILS: dict[str, tuple[str, ...]] = {
    "channel": _words("Solutions, Systems, Group, Partners, Distribution, Technologies, Integration, , , "),
    "sales": _words("Solutions, Group, Direct, Partners, Technologies, , , "),
    "technology": _words("Labs, Technologies, Software, Systems, Platforms, , , "),
    "support": _words("Services, Managed Services, Support, Care, Service Desk, Operations, , "),
    "business": _words("Consulting, Advisory, Group, Partners, Associates, Strategy, , "),
    "financial": _words("Capital, Finance, Ventures, Bank, Leasing, Investments, Asset Management, Capital Partners"),
}

# "Lexipoint Technologies" gets no second tail ("… Technologies Solutions")
TAIL_WORDS = frozenset(word for tails in TAILS.values() for tail in tails for word in tail.split())

# local flavour: brands and "what we do" words in the country's language
LOCAL_BRANDS: dict[str, tuple[str, ...]] = {
    "en": _words("Thames, Hudson, Cambridge, Lakeland, Chesapeake, Piedmont, Cascadia, Yorkshire, Shannon"),
    "de": _words("Nordwind, Bergwerk, Rheintal, Alpenblick, Lindenhof, Falkenstein, Sonnenberg, Eichenwald, "
                 "Hanse, Isar, Elbtal, Adlerhorst, Kranich, Taunus, Schwarzwald, Donau, Weser, Neckar, Säntis"),
    "fr": _words("Lumière, Azur, Belvédère, Alizé, Vauban, Rivoli, Étoile, Océane, Provence, Garonne, Loire"),
    "nl": _words("Oranje, Delta, Polder, Molen, Tulp, Zeeland, Rijnland, Noordzee, Dijkstra, Kanaal, Wadden"),
    "es": _words("Andes, Cóndor, Pampa, Sierra, Azteca, Pacífico, Caribe, Tierra, Altamira, Guadalupe, Plata"),
    "pt": _words("Amazônia, Atlântico, Ipê, Serra Azul, Horizonte, Paraná, Cerrado, Lusa, Tejo, Douro"),
    "it": _words("Vesuvio, Dolomiti, Laguna, Adriatica, Tevere, Arno, Etna, Brera, Portofino, Aurelia"),
    "nordic": _words("Nordlys, Fjord, Skagen, Vinter, Saga, Polar, Birk, Havn, Sjöberg, Kallio, Norrsken"),
    "ja": _words("Sakura, Hikari, Midori, Sora, Yamato, Taiyo, Kaze, Hoshi, Kawa, Tokai, Hokuto, Mirai"),
    "zh": _words("Jade, Golden Bridge, Pearl River, Lotus, Bamboo, Silk Road, Harmony, Red Lantern, Eastwind"),
    "in": _words("Ganga, Himalaya, Indus, Surya, Vayu, Kaveri, Nilgiri, Deccan, Sahyadri, Aravali, Narmada"),
    "ar": _words("Al Noor, Oasis, Desert Rose, Al Waha, Dune, Gulf Star, Sahara, Al Safa, Marina, Al Reem"),
    "he": _words("Carmel, Negev, Galil, Hermon, Tavor, Yarden, Arava, Kinneret"),
    "tr": _words("Anadolu, Bosphorus, Kapadokya, Ege, Toros, Yıldız, Ararat, Marmara, Karadeniz"),
    "af": _words("Baobab, Savanna, Kilimanjaro, Ubuntu, Zambezi, Serengeti, Acacia, Sahel, Limpopo, Karoo"),
    "sea": _words("Merlion, Mekong, Borneo, Nusantara, Siam, Orchid, Komodo, Andaman, Mango Tree, Lotus Bay"),
    "anz": _words("Kookaburra, Wattle, Southern Cross, Koru, Tasman, Kauri, Outback, Coral Sea, Kiwi, Banksia"),
}  # fmt: skip
LOCAL_FIELDS: dict[str, tuple[str, ...]] = {
    "de": _words("Logistik, Informatik, Systemhaus, Datentechnik, Beratung, Software, Netzwerke, Medizintechnik, "
                 "Energietechnik, Automatisierung, IT-Service"),
    "fr": _words("Informatique, Conseil, Systèmes, Réseaux, Santé, Énergie, Logiciels, Numérique"),
    "nl": _words("Automatisering, ICT, Groep, Advies, Systemen, Netwerken, Zorg-IT, Energie"),
    "es": _words("Soluciones, Sistemas, Consultores, Tecnología, Redes, Salud Digital, Energía, Informática"),
    "pt": _words("Sistemas, Tecnologia, Soluções, Consultoria, Redes, Saúde, Energia, Informática"),
    "it": _words("Sistemi, Informatica, Soluzioni, Consulenza, Reti, Energia, Tecnologie"),
    "nordic": _words("Data, Konsult, Teknik, System, Digital, Teknologi, IT"),
}  # fmt: skip

QUALIFIERS = _words(
    "Global, North, Pacific, Atlantic, Alpine, Metro, United, Central, Coastal, Continental, Western, Eastern, "
    "Southern, Northern, Prime, First, Blue, Bright, Smart, Open, True, New, Peak, Core, Clear"
)

SURNAME_FLAVOURS = frozenset({"en", "anz", "de", "nordic", "nl", "fr"})  # "Hale & Finch Capital"
SURNAMES = _words(
    "Hale, Finch, Morgan, Reeve, Ashford, Whitfield, Sterne, Calloway, Pryce, Lockhart, Marlow, Hartley, "
    "Bancroft, Ellison, Fairbanks, Kendrick, Lindqvist, Okafor, Brandt, Castell, Devereux, Moreau, Varga, Ito"
)


def company_name(rnd: Draw, *, type: str, vertical: str, flavour: str, crowded: bool = False) -> str:
    """A plausible company name for a partner of ``type`` whose first vertical is ``vertical``.

    Short names run out among many thousand partners; ``crowded`` asks for a longer one
    ("Helix Pacific Health", "Kestrel Analytics Partners"), which has far more combinations.
    """
    if type in ("business", "financial") and flavour in SURNAME_FLAVOURS and rnd() < 0.25 and not crowded:
        tail = pick(TAILS[type], rnd) or "Partners"
        return f"{pick(SURNAMES, rnd)} & {pick(SURNAMES, rnd)} {tail}"
    draw = rnd()
    local = LOCAL_BRANDS.get(flavour)
    if local and draw < 0.3:
        brand = pick(local, rnd)
        local_fields = LOCAL_FIELDS.get(flavour)
        if local_fields and rnd() < 0.6 and not crowded:
            return f"{brand} {pick(local_fields, rnd)}"
    elif draw < 0.72:
        brand = pick(BRANDS, rnd)
    else:
        brand = pick(COIN_HEADS, rnd) + pick(COIN_TAILS, rnd)
    field = pick(FIELDS.get(vertical, GENERIC_FIELDS), rnd)
    tail = pick(TAILS[type], rnd)
    shape, qualifier = rnd(), pick(QUALIFIERS, rnd)
    plain_field = field.rsplit(" ", 1)[-1] not in TAIL_WORDS
    if type == "financial":  # "Cobalt Capital" or "Cobalt Payments"; "Cobalt Payments Capital" reads oddly
        if crowded:
            return f"{brand} {qualifier} {tail}"
        return f"{brand} {tail}" if shape < 0.75 else f"{brand} {field}"
    if crowded:
        return f"{brand} {field} {tail}" if tail and plain_field and shape < 0.5 else f"{brand} {qualifier} {field}"
    if shape < 0.4 or not tail or not plain_field:
        return f"{brand} {field}"
    if shape < 0.75:
        return f"{brand} {field} {tail}"
    return f"{brand} {tail}"
