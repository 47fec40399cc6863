"""Requests addressed to partners are closed by what happens, not ticked by a manager.

A rule with ``ask_partner`` writes two outcomes about one thing: the manager's task or alert, and
the partner's request ("Please upload your KYC document", "Please propose dates for a business
review"), whose dedupe key is the task's plus ``:partner``. When the document arrives or the review
is recorded, the outbox channel ``strategies`` (registered in programs' AppConfig) resolves the
request, and the manager's side of it, with a note saying what closed them, and records
``outcome.closed`` for each.

It resolves exactly what the next run would no longer produce, so a run never brings a resolved
request back: an upload resolves a document request once the document the request was about is
no longer the partner's current one of that kind (or, for a missing document, once there is one),
a review resolves a review request once it is newer than the last review the request counted
from. Who did it (the partner or its manager on its behalf) changes the note, not the outcome: a
request for a document the manager uploaded for the partner is answered all the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import F
from django.utils import timezone

from partners.records.models import BusinessReview, PartnerDocument
from programs.strategies.events import outcome_events
from programs.strategies.models import Outcome
from programs.strategies.rules.document_compliance import DOCUMENT_KINDS
from programs.strategies.rules.wording import humanise
from programs.strategies.selectors import PARTNER_SIDE

DOCUMENT_UPLOADED = "document.uploaded"
REVIEW_RECORDED = "review.recorded"
ASKING_RULES = {DOCUMENT_UPLOADED: "document_compliance", REVIEW_RECORDED: "review_cadence"}


@dataclass(frozen=True)
class _Upload:
    event_id: int
    document_id: int
    partner_id: int
    kind: str
    by_partner: bool


@dataclass(frozen=True)
class _Review:
    event_id: int
    review_id: int
    partner_id: int
    kind: str
    held_on: date
    by_partner: bool


def partner_requests_resolve(*, events: Iterable) -> list[int]:
    """Resolve the open requests to partners that these outbox events answer, with their managers'
    sides; returns the ids of the outcomes resolved.

    Runs inside the outbox dispatcher's transaction (the ``strategies`` channel), once per batch of
    events: a fixed number of queries whatever the batch (the open outcomes of the asking rules of
    the batch's partners, locked in id order; the partners' current documents; one UPDATE; one
    INSERT of ``outcome.closed`` events). Idempotent: a batch fanned out again finds the requests
    resolved already and changes nothing, records nothing.
    """
    events = [event for event in events if event.type in ASKING_RULES and event.partner_id]
    uploads = [upload for upload in map(_upload, events) if upload is not None]
    reviews = _reviews([event for event in events if event.type == REVIEW_RECORDED])
    if not uploads and not reviews:
        return []
    partner_ids = {item.partner_id for item in [*uploads, *reviews]}
    rule_kinds = {ASKING_RULES[DOCUMENT_UPLOADED]} if uploads else set()
    rule_kinds |= {ASKING_RULES[REVIEW_RECORDED]} if reviews else set()
    open_outcomes = list(
        Outcome.objects.filter(partner_id__in=partner_ids, state=Outcome.State.OPEN, rule_kind__in=rule_kinds)
        .select_for_update(of=("self",))
        .order_by("pk")
        .select_related("partner")
        .only("id", "partner__name", "strategy_id", "rule_kind", "audience", "dedupe_key", "evidence")
    )
    requests = [outcome for outcome in open_outcomes if outcome.audience == Outcome.Audience.PARTNER]
    notes = _answered_documents(requests, uploads) | _answered_reviews(requests, reviews)
    if not notes:
        return []
    by_key = {(outcome.strategy_id, outcome.dedupe_key): outcome for outcome in open_outcomes}
    now = timezone.now()
    resolved = []
    for request in requests:
        note = notes.get(request.pk)
        if note is None:
            continue
        task = by_key.get((request.strategy_id, request.dedupe_key.removesuffix(PARTNER_SIDE)))
        answered = [request] if task is None or task is request else [request, task]
        for outcome in answered:
            outcome.state, outcome.note, outcome.closed_at, outcome.updated_at = Outcome.State.RESOLVED, note, now, now
            resolved.append(outcome)
    Outcome.objects.bulk_update(resolved, ["state", "note", "closed_at", "updated_at"])
    ids = sorted(outcome.pk for outcome in resolved)
    outcome_events(type="outcome.closed", outcome_ids=ids)
    return ids


def _int(value) -> int | None:
    """A positive id from an event's payload, or None: a payload this channel cannot read must not
    fail the whole batch (and with it every other channel's fan-out of it)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _date(value) -> date | None:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _upload(event) -> _Upload | None:
    data = event.data if isinstance(event.data, dict) else {}
    document_id = _int(data.get("id"))
    if event.type != DOCUMENT_UPLOADED or data.get("kind") not in DOCUMENT_KINDS or document_id is None:
        return None
    return _Upload(event.pk, document_id, event.partner_id, data["kind"], bool(data.get("by_partner")))


def _reviews(events: list) -> list[_Review]:
    """The recorded reviews with their kind and day, from the events (payloads without them are
    completed from the reviews, in one query)."""
    payloads = [(event, event.data if isinstance(event.data, dict) else {}) for event in events]
    missing = [_int(data.get("id")) for _, data in payloads if not (data.get("kind") and _date(data.get("held_on")))]
    rows = {}
    if any(missing):
        rows = {
            row[0]: row[1:]
            for row in BusinessReview.objects.filter(pk__in=[pk for pk in missing if pk]).values_list(
                "pk", "kind", "held_on"
            )
        }
    reviews = []
    for event, data in payloads:
        review_id = _int(data.get("id"))
        if review_id is None:
            continue
        if data.get("kind") and _date(data.get("held_on")):
            kind, held_on = data["kind"], _date(data["held_on"])
        elif review_id in rows:
            kind, held_on = rows[review_id]
        else:
            continue  # the review is gone: nothing to compare with
        reviews.append(_Review(event.pk, review_id, event.partner_id, kind, held_on, bool(data.get("by_partner"))))
    return reviews


def _current_documents(uploads: list[_Upload]) -> dict[tuple[int, str], int]:
    """The document that counts now for each (partner, kind) of the uploads, as the rules pick it
    (``PartnerFacts.newest_document``): not replaced, latest issued, undated as oldest, then the
    higher id. One query."""
    rows = (
        PartnerDocument.objects.filter(
            partner_id__in={upload.partner_id for upload in uploads},
            kind__in={upload.kind for upload in uploads},
            replaced_by__isnull=True,
        )
        .order_by("partner_id", "kind", F("issued_on").desc(nulls_last=True), "-id")
        .distinct("partner_id", "kind")
        .values_list("partner_id", "kind", "id")
    )
    return {(partner_id, kind): document_id for partner_id, kind, document_id in rows}


def _answered_documents(requests: list[Outcome], uploads: list[_Upload]) -> dict[int, str]:
    """Document requests an upload answers (request id → note)."""
    if not uploads:
        return {}
    current = _current_documents(uploads)
    latest: dict[tuple[int, str], _Upload] = {}
    for upload in sorted(uploads, key=lambda upload: upload.event_id):
        key = (upload.partner_id, upload.kind)
        # the upload that made the current document, else the latest of that kind
        if latest.get(key) is None or latest[key].document_id != current.get(key):
            latest[key] = upload
    notes = {}
    for request in requests:
        kind = request.evidence.get("document_kind")
        upload, now_current = latest.get((request.partner_id, kind)), current.get((request.partner_id, kind))
        if request.rule_kind != ASKING_RULES[DOCUMENT_UPLOADED] or upload is None or now_current is None:
            continue
        if request.evidence.get("situation") != "missing" and request.evidence.get("document_id") == now_current:
            continue  # the document the request is about still counts: the new one is not newer
        name, partner, document = DOCUMENT_KINDS[kind], request.partner.name, upload.document_id
        if upload.by_partner:
            notes[request.pk] = f"Resolved: {partner} uploaded the requested {name} (document {document})."
        else:
            notes[request.pk] = (
                f"Resolved: the requested {name} was uploaded for {partner} by staff (document {document})."
            )
    return notes


def _answered_reviews(requests: list[Outcome], reviews: list[_Review]) -> dict[int, str]:
    """Review requests a recorded review answers (request id → note): one of their kind held after
    the last review the request counted from."""
    by_kind: dict[tuple[int, str], list[_Review]] = {}
    for review in reviews:
        by_kind.setdefault((review.partner_id, review.kind), []).append(review)
    notes = {}
    for request in requests:
        if request.rule_kind != ASKING_RULES[REVIEW_RECORDED]:
            continue
        last = _date(request.evidence.get("last_review_on"))
        answering = [
            review
            for review in by_kind.get((request.partner_id, request.evidence.get("review_kind")), [])
            if last is None or review.held_on > last
        ]
        if not answering:
            continue
        review = max(answering, key=lambda review: (review.held_on, review.event_id))
        who = f" by {request.partner.name}" if review.by_partner else ""
        notes[request.pk] = (
            f"Resolved: a {humanise(review.kind)} held on {review.held_on.isoformat()} was recorded{who} "
            f"(review {review.review_id})."
        )
    return notes
