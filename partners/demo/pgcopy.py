"""Demo plans as PostgreSQL ``COPY … FROM STDIN`` text: one line per row, tab-separated.

In the text format a backslash, tab, newline or carriage return inside a value must be
escaped, ``\\N`` is NULL, arrays are written as literals (``{DACH,WE}``) and JSON as its text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from partners.demo.plans import PartnerPlan
from partners.demo.timeline import DAY

NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_ARRAY_QUOTE = re.compile(r'[{},"\\\s]')

PARTNER_COLUMNS = (
    "id", "name", "legal_name", "slug", "website", "description", "type", "status", "engagement", "country",
    "regions", "verticals", "owner_id", "last_activity_at", "version", "created_at", "updated_at",
)  # fmt: skip
CONTACT_COLUMNS = ("id", "partner_id", "name", "email", "phone", "title", "role", "created_at", "updated_at")
ACTIVITY_COLUMNS = ("partner_id", "actor_id", "kind", "message", "data", "created_at")
AGREEMENT_COLUMNS = ("partner_id", "kind", "title", "start_on", "end_on", "status", "created_at", "updated_at")
DOCUMENT_COLUMNS = ("partner_id", "kind", "title", "file", "issued_on", "expires_on", "uploaded_by_id", "created_at")
METRIC_COLUMNS = (
    "partner_id", "key", "period_start", "period_end", "value", "source", "reported_by_id", "created_at",
)  # fmt: skip
REVIEW_COLUMNS = ("partner_id", "held_on", "kind", "attendees", "notes", "recorded_by_id", "created_at")


def text(value: str) -> str:
    """A value escaped for the COPY text format (most values need nothing, so check first)."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_ESCAPES)
    return value


def array(values: Iterable[str]) -> str:
    """A text[] literal for COPY: ``{DACH,WE}``, with elements quoted where the array syntax needs it."""
    items = [
        '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if not value or value.upper() == "NULL" or _ARRAY_QUOTE.search(value)
        else value
        for value in values
    ]
    return text("{" + ",".join(items) + "}")


# made once: json.dumps() with options would build a new encoder for every row
_encode_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def json_text(value: object) -> str:
    return text(_encode_json(value))


def optional(value: object) -> str:
    return NULL if value is None else str(value)


class Timestamps:
    """Epoch seconds → ``YYYY-MM-DD HH:MM:SS+00`` from a day cache and a second-of-day table.

    A million timeline rows would spend seconds in datetime formatting; two lookups are cheap.
    """

    def __init__(self) -> None:
        self.days: dict[int, str] = {}
        self.clock = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+00" for s in range(DAY)]

    def __call__(self, ts: int) -> str:
        day, second = divmod(ts, DAY)
        prefix = self.days.get(day)
        if prefix is None:
            prefix = self.days[day] = datetime.fromtimestamp(day * DAY, UTC).strftime("%Y-%m-%d ")
        return prefix + self.clock[second]

    def date(self, day: int | None) -> str:
        """An epoch day (``ts // DAY``) as ``YYYY-MM-DD``, or NULL."""
        if day is None:
            return NULL
        prefix = self.days.get(day)
        if prefix is None:
            prefix = self.days[day] = datetime.fromtimestamp(day * DAY, UTC).strftime("%Y-%m-%d ")
        return prefix[:-1]


def partner_line(partner_id: int, plan: PartnerPlan, stamp: Timestamps) -> str:
    return (
        f"{partner_id}\t{text(plan.name)}\t{text(plan.legal_name)}\t{text(plan.slug)}\t{text(plan.website)}\t"
        f"{text(plan.description)}\t{plan.type}\t{plan.status}\t{plan.engagement}\t{plan.country}\t"
        f"{array(plan.regions)}\t{array(plan.verticals)}\t{optional(plan.owner_id)}\t"
        f"{stamp(plan.last_activity_ts)}\t{plan.version}\t{stamp(plan.created_ts)}\t{stamp(plan.updated_ts)}\n"
    )


def contact_lines(partner_id: int, plan: PartnerPlan, contact_ids: Sequence[int], stamp: Timestamps) -> str:
    lines = []
    for contact_id, contact in zip(contact_ids, plan.contacts, strict=True):
        at = stamp(contact.created_ts)
        lines.append(
            f"{contact_id}\t{partner_id}\t{text(contact.name)}\t{text(contact.email)}\t{text(contact.phone)}\t"
            f"{text(contact.title)}\t{contact.role}\t{at}\t{at}\n"
        )
    return "".join(lines)


def activity_lines(partner_id: int, plan: PartnerPlan, contact_ids: Sequence[int], stamp: Timestamps) -> str:
    lines = []
    for row in plan.activities:
        data = row.data if row.contact is None else {"contact": contact_ids[row.contact], **row.data}
        lines.append(
            f"{partner_id}\t{optional(row.actor_id)}\t{row.kind}\t{text(row.message)}\t{json_text(data)}\t"
            f"{stamp(row.ts)}\n"
        )
    return "".join(lines)


def agreement_lines(partner_id: int, plan: PartnerPlan, stamp: Timestamps) -> str:
    lines = []
    for row in plan.records.agreements:
        at = stamp(row.created_ts)
        lines.append(
            f"{partner_id}\t{row.kind}\t{text(row.title)}\t{stamp.date(row.start_on)}\t{stamp.date(row.end_on)}\t"
            f"{row.status}\t{at}\t{at}\n"
        )
    return "".join(lines)


def document_lines(partner_id: int, plan: PartnerPlan, stamp: Timestamps) -> str:
    return "".join(
        f"{partner_id}\t{row.kind}\t{text(row.title)}\t{text(row.path)}\t{stamp.date(row.issued_on)}\t"
        f"{stamp.date(row.expires_on)}\t{NULL}\t{stamp(row.created_ts)}\n"
        for row in plan.records.documents
    )


def metric_lines(partner_id: int, plan: PartnerPlan, stamp: Timestamps) -> str:
    date = stamp.date
    return "".join(
        f"{partner_id}\t{row.key}\t{date(row.period_start)}\t{date(row.period_end)}\t{row.value}\tdemo\t{NULL}\t"
        f"{stamp(row.created_ts)}\n"
        for row in plan.records.metrics
    )


def review_lines(partner_id: int, plan: PartnerPlan, stamp: Timestamps) -> str:
    owner = optional(plan.owner_id)
    return "".join(
        f"{partner_id}\t{stamp.date(row.held_on)}\t{row.kind}\t{text(row.attendees)}\t{text(row.notes)}\t{owner}\t"
        f"{stamp(row.created_ts)}\n"
        for row in plan.records.reviews
    )
