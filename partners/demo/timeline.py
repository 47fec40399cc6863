"""A partner's life: when it was created, how its status moved, and what its timeline says.

All times are epoch seconds before ``now`` (the start of the run's UTC day).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from partners.demo import mix, texts
from partners.demo.draw import Draw, pick
from partners.demo.plans import ActivityPlan, ContactPlan

DAY = 86_400
HORIZON_DAYS = 730  # the timeline reaches two years back


@dataclass(frozen=True, slots=True)
class Lifecycle:
    created: int
    initial: str  # the status it was created with
    changes: list[tuple[int, str, str, str]]  # (when, from, to, reason), oldest first
    span_end: int  # contacts are added and interactions happen between created and span_end


def lifecycle(status: str, *, now: int, rnd: Draw) -> Lifecycle:
    """A history that ends in ``status``.

    The span of interactions lasts until now for most partners; for a fifth of the older active
    ones it ended more than six months ago (an inactivity job has something to find); for
    inactive ones it ends 90 days before the inactivity job moved them; for terminated ones at
    the termination.
    """
    r = rnd()
    age = {
        "prospect": 0.5 + (HORIZON_DAYS - 0.5) * r**1.6,  # most prospects are recent
        "onboarding": 3 + 200 * r,
        "active": 30 + (HORIZON_DAYS - 30) * r,
        "inactive": 240 + (HORIZON_DAYS - 240) * r,
        "terminated": 120 + (HORIZON_DAYS - 120) * r,
    }[status]
    created = now - int(age * DAY)
    if status == "prospect":
        return Lifecycle(created, "prospect", [], now)
    ended, span_end, quiet = None, now, rnd()
    if status == "inactive":
        ended = now - int((5 + (age - 205) * rnd()) * DAY)
        span_end = ended - texts.INACTIVITY_DAYS * DAY
    elif status == "terminated":
        ended = span_end = now - int((5 + (age - 65) * rnd()) * DAY)
        if quiet < 0.25:  # never got past the prospect stage
            reason = pick(texts.DISQUALIFICATION_REASONS, rnd)
            return Lifecycle(created, "prospect", [(ended, "prospect", "terminated", reason)], ended)
    elif status == "active" and age > 250 and quiet < 0.2:  # quiet for more than six months
        span_end = now - int((185 + (age - 250) * rnd()) * DAY)
    span = span_end - created
    changes = []
    initial, onboarded = "onboarding", created
    if rnd() < 0.7:
        initial = "prospect"
        share = 0.1 + 0.6 * rnd() if status == "onboarding" else 0.03 + 0.2 * rnd()
        onboarded = created + int(span * share)
        changes.append((onboarded, "prospect", "onboarding", ""))
    if status == "onboarding":
        return Lifecycle(created, initial, changes, span_end)
    activated = onboarded + int((span_end - onboarded) * (0.1 + 0.3 * rnd()))
    changes.append((activated, "onboarding", "active", pick(texts.ACTIVATION_REASONS, rnd)))
    if status == "inactive":
        changes.append((ended, "active", "inactive", "inactivity"))
    elif status == "terminated":
        changes.append((ended, "active", "terminated", pick(texts.TERMINATION_REASONS, rnd)))
    return Lifecycle(created, initial, changes, span_end)


def timeline(
    life: Lifecycle,
    *,
    type: str,
    status: str,
    engagement: str,
    verticals: Sequence[str],  # display names, lower case
    owner_id: int | None,
    contacts: Sequence[ContactPlan],
    rnd: Draw,
) -> list[ActivityPlan]:
    """The rows the services would have written: created, contacts added, status changes, interactions."""
    created, span_end = life.created, life.span_end
    rows = [
        ActivityPlan(created, "created", f"{texts.TYPE_LABELS[type]} partner created as {life.initial}",
                     {"status": life.initial}, None, owner_id)
    ]  # fmt: skip
    for index, contact in enumerate(contacts):
        message = f"Contact {contact.name} added ({contact.role})"
        rows.append(ActivityPlan(contact.created_ts, "contact_added", message, {"role": contact.role}, index, owner_id))
    for ts, old, new, reason in life.changes:
        if reason == "inactivity":  # written by the inactivity job, not by a person
            days = texts.INACTIVITY_DAYS
            message = f"Status changed from {old} to {new}: no activity for {days} days"
            data = {"from": old, "to": new, "reason": reason, "days": days}
            rows.append(ActivityPlan(ts, "status_changed", message, data, None, None))
        else:
            message = f"Status changed from {old} to {new}" + (f": {reason}" if reason else "")
            data = {"from": old, "to": new, "reason": reason}
            rows.append(ActivityPlan(ts, "status_changed", message, data, None, owner_id))

    span = span_end - created
    mean = mix.INTERACTIONS_PER_YEAR[engagement] * mix.STATUS_ACTIVITY[status] * span / (365 * DAY)
    topics = texts.TOPICS[type]
    for _ in range(int(mean * (0.3 + 1.4 * rnd()) + rnd())):
        ts = created + int(rnd() * span)
        working = ts - ts % DAY + 25_200 + int(rnd() * 36_000)  # between 07:00 and 17:00 UTC that day
        if created < working < span_end:
            ts = working
        kind = mix.INTERACTIONS.pick(rnd)
        known = sum(1 for contact in contacts if contact.created_ts <= ts)
        who, talks = rnd(), rnd() < (0.4 if kind == "note" else 0.85)
        contact = int(who * known) if known and talks else None
        quarter = f"Q{(time.gmtime(ts).tm_mon + 2) // 3}"
        vertical = pick(verticals, rnd)
        template = pick(texts.WITH_CONTACT[kind] if contact is not None else texts.WITHOUT_CONTACT[kind], rnd)
        message = template.format(
            c=contacts[contact].name if contact is not None else "",
            topic=pick(topics, rnd).format(q=quarter, vertical=vertical),
            doc=pick(texts.DOCS, rnd).format(q=quarter, vertical=vertical),
            vertical=vertical,
        )
        extra, extra2 = rnd(), rnd()
        if kind == "meeting":
            data = {"minutes": (30, 45, 60, 90)[int(extra * 4)], "location": "on site" if extra2 < 0.35 else "video"}
        elif kind == "call":
            data = {"minutes": (10, 15, 20, 30, 45)[int(extra * 5)]}
        elif kind == "email":
            data = {"direction": "inbound" if template.startswith("E-mail from") else "outbound"}
        else:
            data = {}
        rows.append(ActivityPlan(ts, kind, message, data, contact, owner_id))
    rows.sort(key=lambda row: row.ts)  # stable: "created" stays first
    return rows
