"""Which CSV column feeds which field: guessed from the headers (what was chosen for the same
header last time, else the kind's aliases), checked, and remembered when a person confirms it."""

from __future__ import annotations

import re

from django.utils import timezone

from partners.imports.kinds.base import ImportKind
from partners.imports.models import ImportColumnChoice


def header_key(header: str) -> str:
    """A header without case, spaces or punctuation: "E-Mail Address" → "e_mail_address"."""
    return re.sub(r"[^0-9a-z]+", "_", header.casefold()).strip("_")


def mapping_guess(*, kind: ImportKind, header: list[str]) -> dict[str, str]:
    """Column → field for every named column ("" for columns left out); a field is fed by one column."""
    keys = {header_key(name) for name in header if name}
    remembered = dict(ImportColumnChoice.objects.filter(kind=kind.code, header__in=keys).values_list("header", "field"))
    aliases = {alias: column.field for column in reversed(kind.columns) for alias in column.aliases}
    aliases.update({header_key(column.field): column.field for column in kind.columns})
    mapping, used = {}, set()
    for name in header:
        if not name:
            continue
        key = header_key(name)
        field = remembered[key] if key in remembered else aliases.get(key, "")
        if field and (field in used or kind.column(field) is None):
            field = ""
        mapping[name] = field
        if field:
            used.add(field)
    return mapping


def mapping_errors(*, kind: ImportKind, header: list[str], mapping: dict) -> list[str]:
    """What is wrong with a mapping ([] when it can be used)."""
    if not isinstance(mapping, dict):
        return ["The mapping must be an object of column → field."]
    errors = []
    fields: dict[str, str] = {}
    for column, field in mapping.items():
        if column not in header or not column:
            errors.append(f"The file has no column “{column}”.")
            continue
        if not field:
            continue
        if not isinstance(field, str) or kind.column(field) is None:
            known = ", ".join(c.field for c in kind.columns)
            errors.append(f"“{field}” (column “{column}”) is not a field of {kind.label.lower()}; use one of {known}.")
        elif field in fields:
            label = kind.column(field).label
            errors.append(f"The columns “{fields[field]}” and “{column}” both feed {label}; keep one.")
        else:
            fields[field] = column
    if not errors:
        errors.extend(kind.mapping_errors(set(fields)))
    return errors


def mapping_remember(*, kind: ImportKind, mapping: dict[str, str]) -> None:
    """Keep each header's choice (a field, or none) for the next file of this kind."""
    now = timezone.now()
    ImportColumnChoice.objects.bulk_create(
        [
            ImportColumnChoice(kind=kind.code, header=header_key(c)[:200], field=f or "", updated_at=now)
            for c, f in mapping.items()
            if header_key(c)
        ],
        update_conflicts=True,
        unique_fields=["kind", "header"],
        update_fields=["field", "updated_at"],
    )
