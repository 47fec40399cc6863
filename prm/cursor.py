"""Keyset ("cursor") pages: the rows after the last one seen, in the list's own order.

A page is one query whose cost does not grow with depth: ``WHERE (sort keys) beyond (last row's
keys) ORDER BY … LIMIT n+1``, answered from the index that serves the order. The order must end
on a unique column (the id), so every row has one place and a walk sees each row once, however
rows are inserted or updated meanwhile (a row whose sort key moves behind the walk is seen at its
old place or its new one, never twice and never not at all unless it moved back past the cursor).

The cursor is opaque to clients: the last row's sort keys, the direction and a fingerprint of the
filters, signed for the list and the user who asked. A changed, foreign or stale cursor is refused.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import F, OrderBy, Q, QuerySet


class CursorError(ValueError):
    """A cursor that cannot be used for this list; the message is fit to show under ``cursor``."""


@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool
    nulls_last: bool
    nullable: bool

    def reversed(self) -> SortKey:
        return SortKey(self.field, not self.descending, not self.nulls_last, self.nullable)

    def order_by(self) -> OrderBy:
        nulls = {"nulls_last": True} if self.nulls_last else {"nulls_first": True}
        return F(self.field).desc(**nulls) if self.descending else F(self.field).asc(**nulls)


def sort_keys(queryset: QuerySet) -> list[SortKey]:
    """The queryset's ordering as sort keys; it must end on the primary key."""
    model, keys = queryset.model, []
    for entry in queryset.query.order_by:
        if isinstance(entry, str):
            name, descending, nulls_last = entry.lstrip("-"), entry.startswith("-"), None
        elif isinstance(entry, OrderBy) and isinstance(entry.expression, F):
            name, descending = entry.expression.name, entry.descending
            nulls_last = True if entry.nulls_last else (False if entry.nulls_first else None)
        else:
            raise TypeError(f"cursor pages need orderings by plain fields, not {entry!r}")
        field = model._meta.pk if name == "pk" else model._meta.get_field(name)
        # PostgreSQL's default: NULLS LAST ascending, NULLS FIRST descending
        keys.append(
            SortKey(field.attname, descending, (not descending) if nulls_last is None else nulls_last, field.null)
        )
    if not keys or keys[-1].field != model._meta.pk.attname:
        raise TypeError(f"cursor pages need an ordering that ends on the primary key, not {queryset.query.order_by}")
    return keys


def _none() -> Q:
    return Q(pk__in=[])


def _beyond(key: SortKey, value) -> Q:
    """Rows whose ``key`` comes after ``value`` in the key's order."""
    if value is None:
        return _none() if key.nulls_last else Q(**{f"{key.field}__isnull": False})
    condition = Q(**{f"{key.field}__{'lt' if key.descending else 'gt'}": value})
    if key.nullable and key.nulls_last:
        condition |= Q(**{f"{key.field}__isnull": True})
    return condition


def _equal(key: SortKey, value) -> Q:
    return Q(**{f"{key.field}__isnull": True}) if value is None else Q(**{key.field: value})


def after(keys: list[SortKey], values: list) -> Q:
    """Rows that come after the row with ``values`` in the order of ``keys``.

    (a, b, id) after (x, y, z) is ``a > x OR (a = x AND b > y) OR (a = x AND b = y AND id > z)``;
    a plain bound on the first key (``a >= x``) is added so the index scan starts at the cursor.
    """
    condition, same = _none(), Q()
    for key, value in zip(keys, values, strict=True):
        condition |= same & _beyond(key, value)
        same &= _equal(key, value)
    first, first_value = keys[0], values[0]
    if first_value is not None and not first.nullable:
        condition &= Q(**{f"{first.field}__{'lte' if first.descending else 'gte'}": first_value})
    return condition


def _row_value(row, field: str):
    return row[field] if isinstance(row, dict) else getattr(row, field)


def _to_json(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _from_json(model, key: SortKey, value):
    if value is None:
        return None
    field = next(f for f in model._meta.concrete_fields if f.attname == key.field)
    try:
        return field.to_python(value)
    except ValidationError:
        raise CursorError("This cursor is not valid for this list.") from None


@dataclass(frozen=True)
class Position:
    values: list  # the sort keys of the row the page continues from
    backwards: bool  # True: the page before that row (a ``previous`` link)


class CursorCodec:
    """Signs positions for one list (``scope``: its path and filters) and one user."""

    def __init__(self, *, scope: str, user_id: int | None, filters: dict[str, str]):
        self.salt = f"prm.cursor:{scope}:{user_id}"
        canonical = json.dumps(sorted(filters.items()), separators=(",", ":"))
        self.fingerprint = hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def encode(self, position: Position) -> str:
        payload = {"k": [_to_json(v) for v in position.values], "b": int(position.backwards), "f": self.fingerprint}
        return signing.dumps(payload, salt=self.salt, compress=False)

    def decode(self, token: str, model, keys: list[SortKey]) -> Position:
        try:
            payload = signing.loads(token, salt=self.salt)
        except signing.BadSignature:
            raise CursorError(
                "This cursor is not valid for this list: use the next or previous link as given, "
                "with the same login and path, or start again with an empty cursor."
            ) from None
        if not isinstance(payload, dict) or payload.get("f") != self.fingerprint:
            raise CursorError(
                "This cursor belongs to the same list with other filters or ordering; "
                "keep the parameters of the walk, or start again with an empty cursor."
            )
        values = payload.get("k")
        if not isinstance(values, list) or len(values) != len(keys):
            raise CursorError("This cursor is not valid for this list.")
        return Position([_from_json(model, key, v) for key, v in zip(keys, values, strict=True)], bool(payload["b"]))


@dataclass(frozen=True)
class CursorPage:
    rows: list
    next: Position | None
    previous: Position | None


def cursor_page(queryset: QuerySet, position: Position | None, size: int) -> CursorPage:
    """One page of ``queryset`` from ``position`` (None: the start), with where the neighbours begin."""
    keys = sort_keys(queryset)
    if position is None:
        rows = list(queryset[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
        return CursorPage(rows, _position_of(rows[-1], keys, False) if more else None, None)
    if not position.backwards:
        rows = list(queryset.filter(after(keys, position.values))[: size + 1])
        more, rows = len(rows) > size, rows[:size]
        return CursorPage(
            rows,
            _position_of(rows[-1], keys, False) if more else None,
            _position_of(rows[0], keys, True) if rows else Position(position.values, True),
        )
    reverse = [key.reversed() for key in keys]
    backwards = queryset.order_by(*(key.order_by() for key in reverse)).filter(after(reverse, position.values))
    rows = list(backwards[: size + 1])
    more, rows = len(rows) > size, rows[:size][::-1]
    return CursorPage(
        rows,
        _position_of(rows[-1], keys, False) if rows else Position(position.values, False),
        _position_of(rows[0], keys, True) if more else None,
    )


def _position_of(row, keys: list[SortKey], backwards: bool) -> Position:
    return Position([_row_value(row, key.field) for key in keys], backwards)
