"""Reading uploaded CSV files: what is refused, which encodings and delimiters are recognised, how
rows are numbered, and reading on from a byte offset."""

import codecs
import gzip
import io
import os
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from partners.imports.files import FileProblem, inspect_upload, read_records


def _inspect(data: bytes, name: str = "partners.csv"):
    inspected = inspect_upload(SimpleUploadedFile(name, data, content_type="text/csv"))
    with open(inspected.path, "rb") as stored:
        text = stored.read().decode("utf-8")
    os.unlink(inspected.path)
    return inspected, text


def _refused(data: bytes, name: str = "partners.csv") -> str:
    with pytest.raises(FileProblem) as refused:
        inspected = inspect_upload(SimpleUploadedFile(name, data, content_type="text/csv"))
        os.unlink(inspected.path)  # only reached when the file was wrongly accepted
    return str(refused.value)


def _records(text: str, delimiter: str = ",", **options):
    return list(read_records(io.BytesIO(text.encode("utf-8")), delimiter=delimiter, **options))


# --- encodings ---------------------------------------------------------------------------


def test_a_utf8_file_is_read_as_utf8():
    # given
    data = "name,type\nMüller Café,channel\n".encode()
    # when
    inspected, text = _inspect(data)
    # then
    assert inspected.encoding == "utf-8"
    assert text == "name,type\nMüller Café,channel\n"
    assert inspected.header == ["name", "type"]
    assert inspected.rows == 1


def test_a_utf8_file_with_a_byte_order_mark_loses_the_mark():
    # given
    data = codecs.BOM_UTF8 + "name,type\nMüller,channel\n".encode()
    # when
    inspected, text = _inspect(data)
    # then: the header's first cell is "name", not "\ufeffname"
    assert inspected.encoding == "utf-8-sig"
    assert inspected.header == ["name", "type"]
    assert text == "name,type\nMüller,channel\n"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_a_utf16_file_with_a_byte_order_mark_is_stored_as_utf8(codec):
    # given
    data = "\ufeffname,type\nMüller Café,channel\n".encode(codec)
    # when
    inspected, text = _inspect(data)
    # then
    assert inspected.encoding == "utf-16"
    assert inspected.header == ["name", "type"]
    assert text == "name,type\nMüller Café,channel\n"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_a_utf16_file_without_a_byte_order_mark_is_recognised_by_its_nul_bytes(codec):
    # given
    data = "name,type\nMüller Café,channel\nZoë,sales\n".encode(codec)
    # when
    inspected, text = _inspect(data)
    # then
    assert inspected.encoding == codec
    assert text == "name,type\nMüller Café,channel\nZoë,sales\n"
    assert inspected.rows == 2


def test_a_utf16_file_without_a_byte_order_mark_may_hold_cjk_names():
    # given: 一 (U+4E00) is "00 4E" in UTF-16 LE, a NUL in an even position as well
    data = "name,type\n一号 Partners,channel\n".encode("utf-16-le")
    # when
    inspected, text = _inspect(data)
    # then
    assert inspected.encoding == "utf-16-le"
    assert text == "name,type\n一号 Partners,channel\n"


def test_a_windows_1252_file_is_read_back_correctly():
    # given: what a spreadsheet program on Windows saves as "CSV"
    data = "name;type\nMüller;Café\nSmith – “Quotes”;€uro\n".encode("cp1252")
    # when
    inspected, text = _inspect(data)
    # then
    assert inspected.encoding == "windows-1252"
    assert inspected.delimiter == ";"
    assert text == "name;type\nMüller;Café\nSmith – “Quotes”;€uro\n"


def test_bytes_neither_utf8_nor_windows_1252_are_refused():
    # given: 0x81 and 0x9d are undefined in Windows-1252 and invalid as UTF-8 here
    data = b"name,type\nA\x81B,channel\nC\x9dD,sales\n"
    # when
    message = _refused(data)
    # then
    assert "encoding" in message
    assert "UTF-8" in message


# --- delimiters and shape ----------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_each_supported_delimiter_is_detected(delimiter):
    # given: values that contain the other candidates
    rows = [["name", "description", "type"], ["Acme", "tools, parts; more", "channel"], ["Beta", "x", "sales"]]
    other = {",": ";", ";": ",", "\t": ",", "|": ";"}[delimiter]
    rows[1][1] = f"tools{other} parts{other} more"
    data = "".join(delimiter.join(row) + "\n" for row in rows).encode()
    # when
    inspected, _ = _inspect(data)
    # then
    assert inspected.delimiter == delimiter
    assert inspected.header == ["name", "description", "type"]
    assert inspected.rows == 2


def test_a_single_column_file_is_refused_naming_the_separators():
    # given: the columns separated by a character that is not supported
    data = b"name:type\nAcme:channel\nBeta:sales\n"
    # when
    message = _refused(data)
    # then
    assert "single column" in message
    for separator in ("commas", "semicolons", "tabs", "vertical bars"):
        assert separator in message


def test_an_empty_file_is_refused():
    assert _refused(b"") == "The file is empty."


def test_a_header_without_rows_is_refused():
    # given
    data = b"name,type\n"
    # when
    message = _refused(data)
    # then
    assert "no data rows" in message


def test_a_million_empty_rows_under_the_header_are_refused_quickly_with_their_count():
    # given
    data = b"name,type\n" + b",\n" * 1_000_000
    started = time.monotonic()
    # when
    message = _refused(data)
    # then
    elapsed = time.monotonic() - started
    assert "no data rows" in message
    assert "1,000,000" in message
    assert elapsed < 10, f"took {elapsed:.1f}s"


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(settings):
    # given
    settings.IMPORT_MAX_BYTES = 1000
    data = b"name,type\n" + b"Acme,channel\n" * 100
    # when
    message = _refused(data)
    # then
    assert "limit" in message


def test_a_file_at_the_size_limit_is_accepted(settings):
    # given
    data = b"name,type\n" + b"Acme,channel\n" * 100
    settings.IMPORT_MAX_BYTES = len(data)
    # when
    inspected, _ = _inspect(data)
    # then
    assert inspected.size == len(data)
    assert inspected.rows == 100


def test_a_header_naming_a_column_twice_in_any_case_is_refused_with_both_positions():
    # given
    data = b"name,Type,website,TYPE\nAcme,channel,acme.example,sales\n"
    # when
    message = _refused(data)
    # then
    assert "TYPE" in message
    assert "twice" in message
    assert "columns 2 and 4" in message


def test_an_empty_header_row_is_refused():
    assert "header" in _refused(b",,\nAcme,channel,x\n")


# --- not CSV at all -----------------------------------------------------------------------


def test_a_zip_bomb_renamed_csv_is_refused_as_an_archive_without_being_opened():
    # given: 50 MB of zeros in a ZIP of a few dozen kilobytes
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("partners.csv", b"\0" * 50_000_000)
    data = buffer.getvalue()
    assert len(data) < 1_000_000
    started = time.monotonic()
    # when
    message = _refused(data, name="partners.csv")
    # then
    assert "ZIP archive" in message
    assert time.monotonic() - started < 0.5


def test_a_gzip_file_renamed_csv_is_refused_as_an_archive():
    # given
    data = gzip.compress(b"name,type\n" + b"\0" * 50_000_000)
    started = time.monotonic()
    # when
    message = _refused(data)
    # then
    assert "gzip archive" in message
    assert time.monotonic() - started < 0.5


def test_nul_bytes_inside_text_make_it_binary():
    assert "binary" in _refused(b"name,type\nAc\x00me,channel\nBeta,sales\n")


def test_random_bytes_are_refused():
    # given: bytes with NULs scattered over both positions, no valid text
    data = bytes((index * 37) % 256 for index in range(4096))
    # when
    message = _refused(data)
    # then
    assert "binary" in message or "encoding" in message


def test_a_pdf_renamed_csv_is_refused():
    assert "PDF" in _refused(b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n")


# --- quotes, line ends and numbering ------------------------------------------------------


def test_an_unclosed_quote_is_refused_with_its_row_number():
    # given: row 3 opens a quote that never closes, swallowing the rest of the file
    data = b'name,type\nAcme,channel\n"Beta,sales\nGamma,support\n'
    # when
    message = _refused(data)
    # then
    assert "Row 3" in message


def test_an_unclosed_quote_is_reported_by_read_records_with_its_row_number():
    # given
    text = 'name,type\nAcme,channel\n"Beta,sales\nGamma,support\n'
    # when
    with pytest.raises(FileProblem) as refused:
        _records(text)
    # then
    assert "Row 3" in str(refused.value)


def test_quoted_cells_with_line_breaks_keep_the_row_numbers_a_spreadsheet_shows():
    # given: row 2 spans three lines of the file
    text = 'name,description\nAcme,"first line\nsecond line\nthird"\nBeta,plain\n\nGamma,"x\ny"\nDelta,z\n'
    # when
    records = _records(text)
    # then: the header is row 1; a blank line is a row too
    assert [(record.number, record.cells) for record in records] == [
        (1, ["name", "description"]),
        (2, ["Acme", "first line\nsecond line\nthird"]),
        (3, ["Beta", "plain"]),
        (4, []),
        (5, ["Gamma", "x\ny"]),
        (6, ["Delta", "z"]),
    ]


def test_crlf_line_ends_become_plain_rows():
    # given
    data = b'name,description\r\nAcme,"two\r\nlines"\r\nBeta,plain\r\n'
    # when
    inspected, text = _inspect(data)
    # then
    assert text == 'name,description\nAcme,"two\nlines"\nBeta,plain\n'
    assert inspected.rows == 2
    assert [record.cells for record in _records(text)][1:] == [["Acme", "two\nlines"], ["Beta", "plain"]]


def test_lone_cr_line_ends_of_old_mac_files_become_rows():
    # given
    data = b"name,type\rAcme,channel\rBeta,sales\r"
    # when
    inspected, text = _inspect(data)
    # then
    assert text == "name,type\nAcme,channel\nBeta,sales\n"
    assert inspected.rows == 2


def test_a_crlf_split_across_read_blocks_is_one_line_end():
    # given: the "\r" of a "\r\n" is the last byte of the first 64 KiB block
    head = b"name,description\r\n"
    filler = b"Acme," + b"x" * (65536 - len(head) - len(b"Acme,") - 1) + b"\r"
    data = head + filler + b"\nBeta,y\r\n"
    assert data[65535:65537] == b"\r\n"
    # when
    inspected, text = _inspect(data)
    # then
    assert inspected.rows == 2
    assert "\r" not in text
    assert text.endswith("x\nBeta,y\n")


def test_blank_rows_are_counted_apart_from_data_rows():
    # given
    data = b"name,type\nAcme,channel\n\n,\nBeta,sales\n  ,  \n"
    # when
    inspected, _ = _inspect(data)
    # then
    assert inspected.rows == 2
    assert inspected.blank_rows == 3


# --- reading on from an offset ------------------------------------------------------------


def test_reading_from_a_records_end_continues_exactly_at_the_next_record():
    # given: multi-byte characters and cells with line breaks, so offsets are bytes, not characters
    text = 'name,description\nMüller,"a\nb"\nCafé,ü\n\n"Zoë ""Z""",€\nLast,one\n'
    every = _records(text)
    for index, record in enumerate(every[:-1]):
        # when
        rest = _records(text, offset=record.end, number=record.number + 1)
        # then
        assert rest == every[index + 1 :]
    assert every[-1].end == len(text.encode("utf-8"))


def test_reading_from_the_end_of_the_file_yields_nothing():
    # given
    text = "name,type\nAcme,channel\n"
    end = _records(text)[-1].end
    # when
    rest = _records(text, offset=end, number=3)
    # then
    assert rest == []
