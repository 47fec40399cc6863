"""Reading an uploaded CSV: refuse what is not one, detect its encoding and delimiter, store it
as UTF-8, and read its records from any byte offset (so a resumed import starts where it stopped).

Encodings are detected by rules a person can check, not guessed by statistics: a byte-order mark
says UTF-8 or UTF-16; NUL bytes in every other position say UTF-16 without one; a file that decodes
as UTF-8 from start to end is UTF-8; otherwise Windows-1252, the encoding spreadsheet programs on
Windows save "CSV" in, if every byte is defined there. Anything else is refused.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings

DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM", "utf-16": "UTF-16", "windows-1252": "Windows-1252"}
# the first bytes of formats people upload by mistake (an .xlsx is a ZIP archive)
SIGNATURES = (
    (b"PK\x03\x04", "a ZIP archive (an Excel workbook is one too): save the sheet as CSV"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"BZh", "a bzip2 archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"Rar!", "a RAR archive"),
    (b"\xd0\xcf\x11\xe0", "an old Excel workbook (.xls): save the sheet as CSV"),
    (b"%PDF", "a PDF document"),
)
READ_BLOCK = 1 << 16
SNIFF_LINES = 20


class FileProblem(Exception):
    """The file as a whole cannot be imported; the message says why and what to do."""


@dataclass(frozen=True)
class Inspected:
    """An accepted upload, re-encoded as UTF-8 in ``path`` (a temporary file)."""

    path: str
    size: int
    sha256: str
    encoding: str
    delimiter: str
    header: list[str]
    rows: int
    blank_rows: int


@dataclass(frozen=True)
class Record:
    number: int  # the row number a spreadsheet shows (the header is row 1)
    cells: list[str]  # [] for a blank row
    end: int  # the byte offset just after the record


def inspect_upload(upload) -> Inspected:
    """Check an uploaded file and store it re-encoded as UTF-8 with ``\\n`` line ends.

    Refuses (FileProblem) a file over IMPORT_MAX_BYTES, an archive, a binary or otherwise
    undecodable file, an empty one, one with a blank or duplicated header, one whose rows cannot
    be split into several columns, and one with no data row. Nothing is ever decompressed.
    """
    limit = settings.IMPORT_MAX_BYTES
    if upload.size > limit:
        raise FileProblem(f"The file is {_size(upload.size)}; the limit is {_size(limit)}.")
    if upload.size == 0:
        raise FileProblem("The file is empty.")
    upload.seek(0)
    head = upload.read(4096)
    for signature, what in SIGNATURES:
        if head.startswith(signature):
            raise FileProblem(f"This is not a CSV file but {what}.")
    encoding = _encoding(upload, head)
    digest = hashlib.sha256()
    target = tempfile.NamedTemporaryFile(prefix="import-", suffix=".csv", delete=False)  # noqa: SIM115
    try:
        _transcode(upload, encoding, target, digest)
        target.close()
        with open(target.name, "rb") as stored:
            delimiter = _delimiter(stored)
            header, rows, blank = _count(stored, delimiter)
    except BaseException:
        target.close()
        _remove(target.name)
        raise
    return Inspected(
        path=target.name,
        size=upload.size,
        sha256=digest.hexdigest(),
        encoding=encoding,
        delimiter=delimiter,
        header=header,
        rows=rows,
        blank_rows=blank,
    )


def _size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{size / 1024:.1f} KB" if size >= 1024 else f"{size} bytes"


def _remove(path: str) -> None:
    import os

    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _encoding(upload, head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        # Latin text in UTF-16 has a NUL in every other byte; other scripts (一 is 00 4E) add a few
        # on the other side, never as many
        even, odd = head[0::2].count(0), head[1::2].count(0)
        if odd > len(head) * 0.15 and odd > 4 * even:
            return "utf-16-le"
        if even > len(head) * 0.15 and even > 4 * odd:
            return "utf-16-be"
        raise FileProblem("This is a binary file, not CSV text.")
    for encoding in ("utf-8", "windows-1252"):
        if _decodes(upload, encoding):
            return encoding
    raise FileProblem("The file is not in a supported encoding; save it as UTF-8 (or UTF-16, or Windows-1252).")


def _decodes(upload, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    upload.seek(0)
    try:
        while block := upload.read(READ_BLOCK):
            text = decoder.decode(block)
            if "\x00" in text:
                raise FileProblem("This is a binary file, not CSV text.")
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _transcode(upload, encoding: str, target, digest) -> None:
    """Write the text as UTF-8 with "\\n" line ends (a lone "\\r", as old Mac files have, too)."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    upload.seek(0)
    pending_cr = False
    try:
        while True:
            block = upload.read(READ_BLOCK)
            digest.update(block)
            text = decoder.decode(block, final=not block)
            if pending_cr:
                text = "\r" + text
            pending_cr = text.endswith("\r") and bool(block)
            if pending_cr:
                text = text[:-1]
            if "\x00" in text:
                raise FileProblem("This is a binary file, not CSV text.")
            target.write(text.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8"))
            if not block:
                return
    except UnicodeDecodeError as exc:
        raise FileProblem(f"The file is not valid {ENCODING_NAMES.get(encoding, encoding)}: {exc.reason}.") from exc


def _delimiter(stored) -> str:
    """The candidate that splits the header into most columns and the next lines into as many."""
    stored.seek(0)
    lines = []
    for raw in stored:
        line = raw.decode("utf-8")
        if line.strip():
            lines.append(line)
        if len(lines) >= SNIFF_LINES:
            break
    if not lines:
        raise FileProblem("The file has no rows.")
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        try:
            widths = [len(cells) for cells in csv.reader(io.StringIO("".join(lines)), delimiter=delimiter)]
        except csv.Error:
            continue
        if not widths or widths[0] < 2:
            continue
        score = (sum(width == widths[0] for width in widths), widths[0])
        if score > best_score:
            best, best_score = delimiter, score
    if best_score == (0, 0):
        raise FileProblem(
            "Every row is a single column: separate the columns with commas, semicolons, tabs or vertical bars."
        )
    return best


def _count(stored, delimiter: str) -> tuple[list[str], int, int]:
    records = read_records(stored, delimiter=delimiter)
    first = next(records, None)
    if first is None or not first.cells:
        raise FileProblem("The first row must be the header, with a name for each column; it is empty.")
    header = [cell.strip() for cell in first.cells]
    seen: dict[str, int] = {}
    for index, name in enumerate(header, start=1):
        if not name:
            continue
        folded = name.casefold()
        if folded in seen:
            raise FileProblem(f"The header names the column “{name}” twice (columns {seen[folded]} and {index}).")
        seen[folded] = index
    rows = blank = 0
    for record in records:
        if record.cells:
            rows += 1
        else:
            blank += 1
    if not rows:
        more = f" ({blank:,} empty rows)" if blank else ""
        raise FileProblem(f"The file has a header but no data rows{more}.")
    return header, rows, blank


def column_name(header: list[str], index: int) -> str:
    """A column's header, or its position when the header cell is blank."""
    return header[index] if index < len(header) and header[index] else f"(column {index + 1})"


def read_records(stored, *, delimiter: str, offset: int = 0, number: int = 1) -> Iterator[Record]:
    """The records of a stored (UTF-8, "\\n") file from ``offset``, the first numbered ``number``.

    The reader pulls one line at a time and a record ends at the end of a line, so the file's
    position after a record is where the next one starts; a cell with line breaks inside quotes
    still makes one record. A row of empty cells comes back with no cells. An unclosed quote
    swallows the rest of the file into one cell and raises FileProblem with its row number.
    """
    stored.seek(offset)
    position = [offset]

    def lines():
        while line := stored.readline():
            position[0] = stored.tell()
            yield line.decode("utf-8")

    # strict: a quote left open at the end of the file is an error, not a cell that swallows the rest
    reader = csv.reader(lines(), delimiter=delimiter, strict=True)
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise FileProblem(f'Row {number} cannot be read ({exc}); is a quote (") missing its pair?') from exc
        if not any(cell.strip() for cell in cells):
            cells = []
        yield Record(number=number, cells=cells, end=position[0])
        number += 1
