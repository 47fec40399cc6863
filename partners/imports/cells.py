"""Parsers from a CSV cell to a field's value; each raises CellError with a message for people."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db.models import TextChoices
from django.utils.text import slugify
from django_countries import countries

from partners.imports.kinds.base import CellError
from partners.models import EXTERNAL_ID_PATTERN, WEBSITE_HOST_PATTERN
from partners.reference import reference

LIST_SEPARATORS = re.compile(r"\s*[;,|]\s*")
_external_id = re.compile(EXTERNAL_ID_PATTERN)
_website_host = re.compile(WEBSITE_HOST_PATTERN)
_url = URLValidator(schemes=["http", "https"])
# the common shape of a website, which URLValidator accepts too: checked first, as the full
# validator costs more than the rest of a row
_plain_url = re.compile(
    r"^https?://(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(?::\d{1,5})?(?:[/?#][^\s]*)?\Z", re.IGNORECASE
)
_email = EmailValidator()


_ignored = re.compile(r"[\s_\-'’]+")


def _fold(value: str) -> str:
    """Case, spaces, hyphens, underscores and apostrophes do not matter: "Arm's length" = arms_length."""
    return _ignored.sub("", value.casefold())


def text(max_length: int) -> Callable[[str], str]:
    def parse(cell: str) -> str:
        value = cell.strip()
        if len(value) > max_length:
            raise CellError(f"At most {max_length:,} characters (this has {len(value):,}).")
        return value

    return parse


def choice(choices: type[TextChoices], what: str) -> Callable[[str], str]:
    """A value or its label, in any case: "Channel", "channel" and "CHANNEL" are the same."""
    known = {}
    for value, label in choices.choices:
        known[_fold(value)] = value
        known[_fold(str(label))] = value

    def parse(cell: str) -> str:
        value = known.get(_fold(cell))
        if value is None:
            raise CellError(f"“{cell.strip()}” is not a {what}; use one of {', '.join(choices.values)}.")
        return value

    return parse


def external_id(cell: str) -> str:
    value = cell.strip()
    if not _external_id.match(value):
        raise CellError("Use letters, digits and . _ : ~ - (at most 100).")
    return value


def website(cell: str) -> str:
    """A URL; a bare host such as acme.com gets https://."""
    value = cell.strip()
    if "://" not in value:
        value = f"https://{value}"
    if len(value) > 200:
        raise CellError("At most 200 characters.")
    if _plain_url.match(value):
        return value
    try:
        _url(value)
    except ValidationError as exc:
        raise CellError(f"“{cell.strip()}” is not a web address.") from exc
    return value


def domain_of(url: str) -> str:
    """The host of a website without "www.", as Partner.domain computes it in the database."""
    return _website_host.sub(r"\3", url.lower())


def email(cell: str) -> str:
    value = cell.strip().lower()
    try:
        _email(value)
    except ValidationError as exc:
        raise CellError(f"“{cell.strip()}” is not an e-mail address.") from exc
    return value


# names spreadsheets use that differ from the ISO short names django-countries knows
COUNTRY_ALIASES = {
    "united states": "US", "usa": "US", "u.s.a.": "US", "u.s.": "US", "america": "US",
    "uk": "GB", "u.k.": "GB", "great britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
    "russia": "RU", "south korea": "KR", "korea": "KR", "north korea": "KP", "vietnam": "VN", "iran": "IR",
    "syria": "SY", "laos": "LA", "moldova": "MD", "tanzania": "TZ", "venezuela": "VE", "bolivia": "BO",
    "czech republic": "CZ", "holland": "NL", "the netherlands": "NL", "ivory coast": "CI", "taiwan": "TW",
    "turkey": "TR", "uae": "AE", "emirates": "AE", "macedonia": "MK", "swaziland": "SZ", "burma": "MM",
}  # fmt: skip


@functools.cache
def _country_names() -> dict[str, str]:
    """Every English country name (and common short form) in lower case → its code, built once:
    ``countries.by_name`` walks every translated name on each call."""
    names = {str(name).casefold(): code for code, name in countries}
    names.update(COUNTRY_ALIASES)
    return names


def country(cell: str) -> str:
    """A two- or three-letter code, or the country's English name (common short forms too)."""
    value = cell.strip()
    code = countries.alpha2(value) if len(value) <= 3 and value.isalpha() else ""
    code = code or _country_names().get(value.casefold(), "") or countries.by_name(value)
    if not code:
        raise CellError(f"Unknown country “{value}”; use a code such as DE or the English name.")
    return code


def _split(cell: str) -> list[str]:
    return [part for part in LIST_SEPARATORS.split(cell.strip()) if part]


_by_name: list = [None, None]  # [the reference data read, its names folded]


def _names(ref) -> tuple[dict[str, str], dict[str, str]]:
    """Region codes and vertical slugs by folded name, for the reference data as last read."""
    if _by_name[0] is not ref:
        _by_name[:] = [
            ref,
            ({_fold(name): code for code, name in ref.regions.items()},
             {_fold(name): slug for slug, name in ref.verticals.items()}),
        ]  # fmt: skip
    return _by_name[1]


def _codes(cell: str, *, known: dict[str, str], by_name: dict[str, str], spell, what: str) -> list[str]:
    """The known codes a list cell names, by code (as ``spell`` writes one) or by name."""
    found, unknown = [], []
    for part in _split(cell):
        code = spell(part) if spell(part) in known else by_name.get(_fold(part))
        (found if code else unknown).append(code or part)
    if unknown:
        raise CellError(f"Unknown {what}: {', '.join(unknown)}.")
    return list(dict.fromkeys(found))


def regions(cell: str) -> list[str]:
    """Region codes, separated by ; , or |; a region's name works too (case does not matter)."""
    ref = reference()
    return _codes(cell, known=ref.regions, by_name=_names(ref)[0], spell=str.upper, what="region")


def verticals(cell: str) -> list[str]:
    """Vertical slugs or names (or a name as a slug: "Public Sector" → public-sector), separated
    by ; , or |."""
    ref = reference()
    known = ref.verticals

    def spell(part: str) -> str:
        return part.lower() if part.lower() in known else slugify(part)

    return _codes(cell, known=known, by_name=_names(ref)[1], spell=spell, what="vertical")
