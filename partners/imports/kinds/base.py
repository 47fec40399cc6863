"""What a kind of import declares: its columns (the row schema) and how a chunk of parsed rows is
matched against what is stored and, for a real import, written.

The import flow (``partners.imports.services``) does the rest for every kind: upload, encoding,
mapping, dry run, progress, resumption, the report and the events.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from partners.imports.models import ImportRow


class CellError(ValueError):
    """A cell's value is not acceptable; the message is shown next to the row."""


@dataclass(frozen=True)
class Column:
    """A field of a row schema: what a column can be mapped to."""

    field: str
    label: str
    help: str = ""
    aliases: tuple[str, ...] = ()  # header spellings that map here without asking (normalised)
    parse: Callable[[str], object] = str.strip  # a non-empty cell → value, or CellError


@dataclass
class ParsedRow:
    """A data row after its cells went through the columns' parsers; empty cells are absent."""

    number: int
    values: dict[str, object]
    errors: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class RowResult:
    """What happened to a row (or would, in a dry run)."""

    number: int
    action: str
    object_id: int | None = None
    label: str = ""
    messages: dict[str, list[str]] = field(default_factory=dict)
    changes: dict[str, list] = field(default_factory=dict)

    @classmethod
    def error(cls, row: ParsedRow, messages: dict[str, list[str]], **extra) -> RowResult:
        return cls(number=row.number, action=ImportRow.Action.ERROR, messages=messages, **extra)


class ImportKind:
    """A kind of import. Subclasses set ``code``, ``label``, ``columns`` and implement ``process``."""

    code: str
    label: str
    columns: tuple[Column, ...]
    object_label: str = "record"
    # the fields ``row_keys`` reads; the reader parses only these, the workers every mapped one
    key_fields: tuple[str, ...] = ()
    # a key's prefix ("ext" of "ext:CRM-1") → the field a duplicate's message names
    key_names: dict[str, str] = {}
    # how a duplicate's message names what two rows share, by that field (default: the field)
    key_labels: dict[str, str] = {}

    def row_keys(self, values: dict) -> tuple[str, str]:
        """What identifies the row's record in the file: a key and an alternative key ("" for none).

        A later row is the same record when an earlier row's key is its key or its alternative
        key, or an earlier row's alternative key is its key (a partner's external_id row and
        another row giving only the same website, say).
        """
        return "", ""

    def column(self, name: str) -> Column | None:
        return next((column for column in self.columns if column.field == name), None)

    def mapping_errors(self, fields: set[str]) -> list[str]:
        """What is missing from a mapping for rows of this kind to be usable ([] when fine)."""
        return []

    def process(self, rows: list[ParsedRow], *, run, commit: bool, actor) -> list[RowResult]:
        """Decide (and when ``commit``, write) the chunk, in the caller's transaction.

        Rows with parse errors come back as errors. The results must keep the rows' order and
        cover every row. ``run`` is the Import; earlier chunks' results are its ImportRows.
        """
        raise NotImplementedError


_KINDS: dict[str, ImportKind] = {}


def register_kind(kind: ImportKind) -> None:
    _KINDS[kind.code] = kind


def kinds() -> list[ImportKind]:
    return list(_KINDS.values())


def kind_get(code: str) -> ImportKind | None:
    return _KINDS.get(code)
