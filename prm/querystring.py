"""One parser for the numbers and id lists of query strings, used by the API, the pages and forms.

Only ASCII digits count: ``str.isdigit`` also accepts characters such as "²" that ``int()``
then refuses, and a number longer than a bigint would reach the database as an error. Every
function raises ``QueryValueError`` with a message fit to show next to the parameter.
"""

from __future__ import annotations

import re

from django import forms

MAX_DIGITS = 18  # 10**18 - 1 fits a PostgreSQL bigint
MAX_IDS = 200  # ids in one comma list, as many as one page of results
NUMBER = re.compile(rf"[0-9]{{1,{MAX_DIGITS}}}")


class QueryValueError(ValueError):
    """A query-string value that is not what the parameter takes."""


def parse_int(raw: str, *, minimum: int = 1, maximum: int = 10**MAX_DIGITS - 1) -> int:
    """A whole number from ``minimum`` to ``maximum`` written in ASCII digits."""
    text = (raw or "").strip()
    if not NUMBER.fullmatch(text) or not minimum <= int(text) <= maximum:
        raise QueryValueError(f"Give a whole number from {minimum} to {maximum}.")
    return int(text)


def parse_ids(raw: str, *, max_items: int = MAX_IDS) -> tuple[int, ...]:
    """Ids separated by commas (``"4,8, 15"``), each once, in the order given; at most ``max_items``."""
    parts = [part.strip() for part in (raw or "").split(",") if part.strip()]
    if not parts or not all(NUMBER.fullmatch(part) and int(part) > 0 for part in parts):
        raise QueryValueError("Give one or more ids (whole numbers), separated by commas.")
    ids = tuple(dict.fromkeys(int(part) for part in parts))
    if len(ids) > max_items:
        raise QueryValueError(f"Give at most {max_items} ids.")
    return ids


def int_or_default(raw: str | None, default: int, *, minimum: int = 1) -> int:
    """For page links people edit by hand (``?timeline_page=``): a bad value shows the default
    page instead of an error."""
    try:
        return parse_int(raw or "", minimum=minimum)
    except QueryValueError:
        return default


class IdListField(forms.Field):
    """A form field for a comma list of ids (``?owner=4,8``), parsed by ``parse_ids``."""

    def to_python(self, value) -> tuple[int, ...]:
        if value in self.empty_values:
            return ()
        try:
            return parse_ids(str(value))
        except QueryValueError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None


class ChoiceListField(forms.Field):
    """A form field for a comma list of known values (``?type=channel,sales``); an unknown one is an error."""

    def __init__(self, *, choices, **kwargs):
        self.allowed = tuple(value for value, _ in choices) if choices and isinstance(choices[0], tuple) else choices
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value) -> tuple[str, ...]:
        if value in self.empty_values:
            return ()
        values = tuple(dict.fromkeys(part.strip() for part in str(value).split(",") if part.strip()))
        unknown = [item for item in values if item not in self.allowed]
        if not values or unknown:
            raise forms.ValidationError(
                f"Give one or more of: {', '.join(self.allowed)}, separated by commas.", code="invalid_choice"
            )
        return values


class TrueFalseField(forms.Field):
    """``true`` or ``false`` and nothing else (a misspelt flag must not be read as "any")."""

    def to_python(self, value) -> bool | None:
        if value in self.empty_values:
            return None
        text = str(value).strip().lower()
        if text not in ("true", "false"):
            raise forms.ValidationError("Give true or false.", code="invalid")
        return text == "true"
