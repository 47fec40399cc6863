"""A partner's relationship records: agreements, documents, reported metrics and reviews.

Drawn from a random stream of their own (see ``DemoGenerator``), so adding records left every
partner, contact and timeline row of a seed as it was. Dates are epoch days (``ts // DAY``);
``today`` is the run's day. Documents get a placeholder path: no file is written.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from functools import cache

from partners.demo.draw import Draw, Weighted, pick
from partners.demo.plans import (
    NO_RECORDS,
    AgreementPlan,
    ContactPlan,
    DocumentPlan,
    MetricPlan,
    RecordsPlan,
    ReviewPlan,
)
from partners.demo.timeline import DAY, Lifecycle

AGREEMENT_KINDS = {
    "business": Weighted([("referral", 60), ("nda_master", 40)]),
    "financial": Weighted([("financing", 100)]),
    "technology": Weighted([("technology_alliance", 100)]),
    "sales": Weighted([("reseller", 55), ("referral", 45)]),
    "channel": Weighted([("reseller", 85), ("referral", 15)]),
    "support": Weighted([("support_services", 100)]),
}
AGREEMENT_TITLES = {
    "reseller": "Reseller agreement",
    "referral": "Referral agreement",
    "technology_alliance": "Technology alliance agreement",
    "support_services": "Support services agreement",
    "financing": "Financing framework agreement",
    "nda_master": "Master non-disclosure agreement",
}
TERM_YEARS = Weighted([(1, 45), (2, 35), (3, 20)])
# (kind, title, share of partners that have one, validity in days) by partner type
DOCUMENTS = {
    "financial": (("kyc", "KYC due diligence", 0.85, 365), ("nda", "Non-disclosure agreement", 0.75, 730)),
    "technology": (("integration_certificate", "Integration certificate", 0.8, 365),),
    "support": (
        ("support_certificate", "Support certification", 0.8, 365),
        ("insurance", "Professional liability insurance", 0.5, 365),
    ),
    "channel": (("data_processing_agreement", "Data processing agreement", 0.3, 1095),),
}
# review kind and interval in days by engagement; technology partners hold roadmap reviews and so on
REVIEW_KIND = {
    "business": "business_review",
    "financial": "business_review",
    "technology": "roadmap_review",
    "sales": "pipeline_review",
    "channel": "pipeline_review",
    "support": "service_review",
}
REVIEW_EVERY = {"strategic": 91, "collaborative": 182, "arms_length": 365}
REVIEW_NOTES = (
    "Went through last quarter's figures and agreed on next steps.",
    "Reviewed the joint pipeline; two opportunities need executive sponsorship.",
    "Discussed the roadmap and the integration backlog.",
    "Agreed on enablement sessions for the new offering.",
    "Escalations reviewed; response times have improved.",
    "Set targets for the coming period and the marketing plan.",
)


def records(
    life: Lifecycle,
    *,
    type: str,
    status: str,
    engagement: str,
    slug: str,
    contacts: Sequence[ContactPlan],
    today: int,
    rnd: Draw,
) -> RecordsPlan:
    """What a partner of this type and status would have on file by ``today``."""
    if status == "prospect":
        return NO_RECORDS
    activated = next((ts for ts, _, new, _ in life.changes if new == "active"), None)
    ended = life.changes[-1][0] if status in ("inactive", "terminated") else None
    if activated is None:  # onboarding, or terminated before activation: at most a draft agreement
        if status == "onboarding" and rnd() < 0.5:
            start = today + 7 + int(rnd() * 30)
            kind = AGREEMENT_KINDS[type].pick(rnd)
            draft = AgreementPlan(kind, AGREEMENT_TITLES[kind], start, None, "draft", life.created + DAY)
            return RecordsPlan((draft,), (), (), ())
        return NO_RECORDS
    since = activated // DAY
    agreements = _agreements(type, status, since, ended, today, rnd)
    documents = _documents(type, status, slug, since, today, rnd)
    metrics = _metrics(type, since, (life.span_end // DAY) if ended is None else ended // DAY, today, rnd)
    reviews = _reviews(type, engagement, status, since, life.span_end // DAY, contacts, today, rnd)
    return RecordsPlan(agreements, documents, metrics, reviews)


def _agreements(type, status, since, ended, today, rnd) -> tuple[AgreementPlan, ...]:
    if status == "active" and rnd() < 0.1:  # a few work without a signed agreement
        return ()
    kind = AGREEMENT_KINDS[type].pick(rnd)
    start = since - int(rnd() * 20)
    term = 365 * TERM_YEARS.pick(rnd)
    r = rnd()
    if status == "active":
        if r < 0.15:  # up for renewal within 60 days
            end = today + 1 + int(rnd() * 59)
        elif r < 0.25:  # lapsed and not renewed yet
            end = today - 1 - int(rnd() * 120)
        else:  # renewed as often as needed
            end = start + term
            while end < today:
                start, end = end, end + term
            rnd()
    else:
        end = ended // DAY if status == "terminated" else start + term
        rnd()
    start = min(start, end)
    state = "active" if end >= today else "terminated" if status == "terminated" else "expired"
    created = start * DAY + 36_000
    found = [AgreementPlan(kind, f"{AGREEMENT_TITLES[kind]} {_year(start)}", start, end, state, created)]
    if kind != "nda_master" and rnd() < 0.3:  # an open-ended NDA beside the main agreement
        found.append(AgreementPlan("nda_master", "Master non-disclosure agreement", start, None, "active", created))
    return tuple(found)


def _documents(type, status, slug, since, today, rnd) -> tuple[DocumentPlan, ...]:
    found = []
    for kind, title, share, valid in DOCUMENTS.get(type, ()):
        if rnd() >= share:  # missing
            continue
        r = rnd()
        if r < 0.15:  # expired
            expires = today - 1 - int(rnd() * 200)
        elif r < 0.3:  # expires within 60 days
            expires = today + int(rnd() * 60)
        else:
            expires = today + 61 + int(rnd() * (valid - 61))
        issued = max(expires - valid, since - 30)
        path = f"demo/partner-documents/{slug}/{kind}.pdf"
        found.append(DocumentPlan(kind, f"{title} {_year(issued)}", path, issued, expires, issued * DAY + 40_000))
    return tuple(found)


def _metrics(type, since, until, today, rnd) -> tuple[MetricPlan, ...]:
    """Monthly figures for the twelve full months before ``today`` in which the partner was active."""
    if type == "support":
        sla = 96.0 + 3.6 * rnd() if rnd() < 0.85 else 90.0 + 5.5 * rnd()
        csat = 4.0 + 0.8 * rnd() if rnd() < 0.85 else 3.2 + 0.8 * rnd()
        series = (("sla_compliance_pct", sla, 1.2, 100.0), ("csat", csat, 0.25, 5.0))
    elif type in ("sales", "channel"):
        series = (("win_rate_pct", 12.0 + 33.0 * rnd(), 6.0, 100.0),)
    else:
        return ()
    found = []
    for start, end in _months(today):
        if start < since or end > until:
            continue
        for key, level, spread, top in series:
            value = min(top, max(0.0, level + spread * (2 * rnd() - 1)))
            found.append(MetricPlan(key, start, end, f"{value:.2f}", (end + 3) * DAY + 30_000))
    return tuple(found)


def _reviews(type, engagement, status, since, until, contacts, today, rnd) -> tuple[ReviewPlan, ...]:
    every = REVIEW_EVERY[engagement]
    kind = "strategy_review" if engagement == "strategic" else REVIEW_KIND[type]
    stop = min(until, today - 1)
    if status == "active" and rnd() < 0.15:  # overdue: the last one or two were skipped
        stop -= every + int(rnd() * every)
    found = []
    held = since + int(every * (0.3 + 0.5 * rnd()))
    while held <= stop:
        names = [contact.name for contact in contacts if contact.created_ts // DAY <= held]
        attendees = ", ".join(names[:2]) if names else ""
        found.append(ReviewPlan(held, kind, attendees, pick(REVIEW_NOTES, rnd), held * DAY + 61_200))
        held += every + int((rnd() - 0.5) * 30)
        if engagement != "arms_length" and rnd() < 0.15:  # a business review between the regular ones
            extra = held - every // 2
            if extra <= stop:
                found.append(ReviewPlan(extra, "business_review", attendees, pick(REVIEW_NOTES, rnd), extra * DAY))
    found.sort(key=lambda review: review.held_on)
    return tuple(found)


@cache
def _months(today: int) -> list[tuple[int, int]]:
    """(first day, last day) of the twelve full calendar months before ``today``, in epoch days."""
    first = dt.date.fromordinal(dt.date(1970, 1, 1).toordinal() + today).replace(day=1)
    epoch = dt.date(1970, 1, 1).toordinal()
    months = []
    end = first
    for _ in range(12):
        start = (end - dt.timedelta(days=1)).replace(day=1)
        months.append((start.toordinal() - epoch, end.toordinal() - epoch - 1))
        end = start
    return months[::-1]


def _year(day: int) -> int:
    return time.gmtime(day * DAY).tm_year
