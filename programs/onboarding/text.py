"""Agreement texts with placeholders: which placeholders exist, checking a text, filling one in.

Placeholders are ``{name}`` with a name from PLACEHOLDERS and nothing else: the text is filled by
plain substitution of those names (no ``str.format``, which reads attributes and indexes, and no
template engine), so a template's author can inject nothing; the pages escape the result.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

PLACEHOLDERS: dict[str, str] = {
    "partner_name": "The partner's name",
    "partner_legal_name": "The partner's legal name (its name when none is recorded)",
    "partner_country": "The partner's headquarters country",
    "partner_type": "The partner type (Channel, Sales, …)",
    "date": "The day of acceptance",
    "valid_until": "The last day the agreement is in force, or “open-ended”",
}
# every brace-delimited word, so a typo such as {partner_nmae} is reported, not left in the text
_PLACEHOLDER = re.compile(r"\{([^{}\s]*)\}")


def placeholder_errors(body: str) -> list[str]:
    """Messages for each unknown placeholder in ``body``, in order of first appearance."""
    unknown = []
    for name in _PLACEHOLDER.findall(body or ""):
        if name not in PLACEHOLDERS and name not in unknown:
            unknown.append(name)
    if not unknown:
        return []
    known = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
    return [f"Unknown placeholder {{{name}}}; use one of {known}." for name in unknown]


def render(body: str, values: Mapping[str, str]) -> str:
    """``body`` with each known placeholder replaced by its value; what the values contain is
    never read as a placeholder again (one pass)."""
    return _PLACEHOLDER.sub(lambda match: str(values.get(match.group(1), match.group(0))), body)
