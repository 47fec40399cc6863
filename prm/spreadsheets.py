"""Cells of every CSV the project writes pass through ``csv_safe``."""

# a cell starting with one of these is a formula to spreadsheet programs (CSV injection)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    """The cell as text; a leading formula character is neutralised with an apostrophe."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text
