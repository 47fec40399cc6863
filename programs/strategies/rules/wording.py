"""Small helpers that keep outcome titles and explanations in the same plain words everywhere."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date


def days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def number(value: float) -> str:
    """93.5 → "93.5", 95.0 → "95", 1/3 → "0.33": as a person would write it."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def either(words: Iterable[str], conjunction: str = "or") -> str:
    """["a", "b", "c"] → "a, b or c"."""
    items = list(words)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def humanise(slug: str) -> str:
    """ "strategy_review" → "strategy review"."""
    return slug.replace("_", " ")
