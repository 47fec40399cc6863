"""Plans of demo partners with contacts and timeline: pure, deterministic Python, no database.

One ``random.Random(seed)`` drives everything in a fixed order, so partner *i* depends only on
the seed, *i*, the owner ids and the verticals given — never on what the database holds, which
lets the writer skip partners whose slug is taken without changing the others. Every choice
takes exactly one draw (see ``draw``). Times are placed before ``now_ts`` rounded down to the
start of its UTC day: two runs on the same day write identical rows; a run a week later writes
the same partners with every date a week later.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence

from django.utils.text import slugify

from partners.demo import geo, mix, people, texts
from partners.demo.companies import company_name
from partners.demo.draw import Weighted, digits, pick
from partners.demo.plans import ContactPlan, PartnerPlan
from partners.demo.records import records
from partners.demo.timeline import DAY, lifecycle, timeline

DEFAULT_SEED = 1


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


class DemoGenerator:
    """Turns a seed into partner plans; ``plans(n)`` yields them one by one."""

    def __init__(self, *, seed: int, now_ts: int, owner_ids: Sequence[int], verticals: Mapping[str, str]) -> None:
        self.rng = random.Random(seed)  # noqa: S311 (demo data, not secrets)
        # relationship records draw from a stream of their own: adding them changed no partner of a seed
        self.records_rng = random.Random(f"records:{seed}")  # noqa: S311
        self.now = now_ts - now_ts % DAY
        # seed 1 (the default, used by `make run`) gets plain slugs; other seeds can live beside it
        self.slug_suffix = "" if seed == DEFAULT_SEED else f"-s{seed}"
        self.owner_ids = tuple(owner_ids)
        self.vertical_names = {slug: verticals[slug].lower() for slug in sorted(verticals)}
        self.vertical_pickers = {}
        for type in texts.TYPE_LABELS:
            leaning = mix.VERTICAL_WEIGHTS.get(type, mix.VERTICAL_WEIGHTS["default"])
            self.vertical_pickers[type] = Weighted(
                (slug, leaning.get(slug, mix.UNKNOWN_VERTICAL_WEIGHT)) for slug in self.vertical_names
            )
        self.slugs: set[str] = set()
        self.email_parts: dict[str, str] = {}

    def plans(self, count: int) -> Iterator[PartnerPlan]:
        for _ in range(count):
            yield self._partner()

    def _partner(self) -> PartnerPlan:
        rnd = self.rng.random
        type = mix.TYPES.pick(rnd)
        hq = mix.HQ_REGIONS.pick(rnd)
        country = geo.COUNTRIES[mix.COUNTRIES_OF[hq].pick(rnd)]
        verticals = self._verticals(type)
        name, slug = self._name(type, verticals[0], country.flavour)
        regions = self._regions(hq)
        status = mix.STATUSES.pick(rnd)
        engagement = mix.ENGAGEMENTS[type].pick(rnd)
        owned = rnd() < (0.75 if status == "prospect" else 1.0)
        owner_id = pick(self.owner_ids, rnd) if self.owner_ids else None
        owner_id = owner_id if owned else None
        life = lifecycle(status, now=self.now, rnd=rnd)
        contacts = self._contacts(country, slug, status, life.created, life.span_end)
        vertical_names = [self.vertical_names[slug] for slug in verticals]
        activities = timeline(
            life, type=type, status=status, engagement=engagement, verticals=vertical_names,
            owner_id=owner_id, contacts=contacts, rnd=rnd,
        )  # fmt: skip
        on_file = records(
            life, type=type, status=status, engagement=engagement, slug=slug, contacts=contacts,
            today=self.now // DAY, rnd=self.records_rng.random,
        )  # fmt: skip
        description = texts.describe(
            type_label=texts.TYPE_LABELS[type],
            country=country.name,
            regions=_and([geo.REGION_NAMES[code] for code in regions]),
            verticals=_and(vertical_names),
        )
        return PartnerPlan(
            name=name,
            legal_name=mix.LEGAL_FORMS[country.code].pick(rnd).format(name),
            slug=slug,
            website=f"https://{slug}.example",
            description=description,
            type=type,
            status=status,
            engagement=engagement,
            country=country.code,
            regions=regions,
            verticals=verticals,
            owner_id=owner_id,
            created_ts=life.created,
            updated_ts=life.changes[-1][0] if life.changes else life.created,
            version=1 + len(life.changes),
            contacts=contacts,
            activities=activities,
            records=on_file,
        )

    def _verticals(self, type: str) -> list[str]:
        picker, rnd = self.vertical_pickers[type], self.rng.random
        wanted = min(mix.VERTICAL_COUNT.pick(rnd), len(picker.items))
        chosen: list[str] = []
        while len(chosen) < wanted:
            slug = picker.pick(rnd)
            if slug not in chosen:
                chosen.append(slug)
        return chosen

    def _name(self, type: str, vertical: str, flavour: str) -> tuple[str, str]:
        """A name whose slug no earlier partner of this run has: longer names once short ones collide,
        and a numbered slug as the last resort."""
        for attempt in range(12):
            name = company_name(self.rng.random, type=type, vertical=vertical, flavour=flavour, crowded=attempt >= 3)
            base = slugify(name)[:70]
            slug = base + self.slug_suffix
            if slug not in self.slugs:
                self.slugs.add(slug)
                return name, slug
        number = 2
        while f"{base}-{number}{self.slug_suffix}" in self.slugs:
            number += 1
        slug = f"{base}-{number}{self.slug_suffix}"
        self.slugs.add(slug)
        return name, slug

    def _regions(self, hq: str) -> list[str]:
        """The HQ region first; most partners stay there, some reach into neighbours or other areas."""
        rnd = self.rng.random
        extra = mix.EXTRA_REGIONS.pick(rnd)
        regions = [hq]
        area = geo.REGIONS[hq][0]
        if extra and rnd() < 0.1:  # covers its whole area, e.g. HQ in DACH serving all of EMEA
            return [hq, area]
        while len(regions) < 1 + extra:
            other = (mix.NEIGHBOURS[hq] if rnd() < 0.8 else mix.HQ_REGIONS).pick(rnd)
            if other not in regions:
                regions.append(other)
        return regions

    def _contacts(self, country: geo.Country, slug: str, status: str, created: int, span_end: int) -> list[ContactPlan]:
        """One to five people named after the country's customs; the first is primary at most partners."""
        rnd = self.rng.random
        firsts, lasts = people.NAMES[country.people]
        count = 1 + (rnd() < 0.4) if status == "prospect" else mix.CONTACT_COUNT.pick(rnd)
        has_primary = rnd() < (0.75 if status == "prospect" else 0.95)
        first_at = created + min(300 + int(rnd() * 6900), (span_end - created) // 2)
        later = span_end - first_at
        contacts: list[ContactPlan] = []
        emails: set[str] = set()
        part = self._email_part
        for index in range(count):
            for _ in range(6):
                first, last = pick(firsts, rnd), pick(lasts, rnd)
                email = f"{part(first)}.{part(last)}@{slug}.example"
                if email not in emails:
                    break
            else:
                email = f"{part(first)}.{part(last)}{index + 1}@{slug}.example"
            emails.add(email)
            role = "primary" if index == 0 and has_primary else mix.OTHER_ROLES.pick(rnd)
            pattern, length = pick(mix.PHONE_FORMATS[country.code], rnd)
            phone = pattern.format(*digits(length, rnd)) if rnd() < 0.9 else ""
            added = first_at if index == 0 else first_at + 3600 + int(later * 0.6 * rnd())
            contacts.append(ContactPlan(f"{first} {last}", email, phone, pick(people.TITLES[role], rnd), role, added))
        contacts.sort(key=lambda contact: contact.created_ts)
        return contacts

    def _email_part(self, name: str) -> str:
        part = self.email_parts.get(name)
        if part is None:
            part = self.email_parts[name] = people.email_part(name)
        return part
