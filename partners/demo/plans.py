"""What the generator produces and the writer writes: plain values, timestamps as epoch seconds."""

from dataclasses import dataclass
from typing import NamedTuple


class ContactPlan(NamedTuple):
    name: str
    email: str
    phone: str
    title: str
    role: str
    created_ts: int


class ActivityPlan(NamedTuple):
    ts: int
    kind: str
    message: str
    data: dict
    contact: int | None  # index into the partner's contacts; the writer puts that contact's id into data
    actor_id: int | None


class AgreementPlan(NamedTuple):
    kind: str
    title: str
    start_on: int  # epoch day
    end_on: int | None
    status: str
    created_ts: int


class DocumentPlan(NamedTuple):
    kind: str
    title: str
    path: str  # a placeholder: demo documents have no file
    issued_on: int
    expires_on: int
    created_ts: int


class MetricPlan(NamedTuple):
    key: str
    period_start: int
    period_end: int
    value: str  # decimal text
    created_ts: int


class ReviewPlan(NamedTuple):
    held_on: int
    kind: str
    attendees: str
    notes: str
    created_ts: int


class RecordsPlan(NamedTuple):
    agreements: tuple[AgreementPlan, ...]
    documents: tuple[DocumentPlan, ...]
    metrics: tuple[MetricPlan, ...]
    reviews: tuple[ReviewPlan, ...]


NO_RECORDS = RecordsPlan((), (), (), ())


@dataclass(slots=True)
class PartnerPlan:
    name: str
    legal_name: str
    slug: str
    website: str
    description: str
    type: str
    status: str
    engagement: str
    country: str
    regions: list[str]
    verticals: list[str]
    owner_id: int | None
    created_ts: int
    updated_ts: int
    version: int
    contacts: list[ContactPlan]  # oldest first; the primary contact, if any, is the first
    activities: list[ActivityPlan]  # oldest first; the first one is "created"
    records: RecordsPlan = NO_RECORDS  # agreements, documents, metrics, reviews

    @property
    def last_activity_ts(self) -> int:
        return self.activities[-1].ts
