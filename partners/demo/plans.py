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

    @property
    def last_activity_ts(self) -> int:
        return self.activities[-1].ts
