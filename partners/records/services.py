"""Writes of relationship records; each writes a timeline row through ``partners.events``.

Agreements, documents and reported metrics are timeline notes with structured ``data``
(``{"record": "<kind of record>", …}``); a business review is a meeting. Validation errors are
``ValidationError`` with field messages, raised before anything is written (files included).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from partners.events import timeline_record
from partners.models import Activity, Partner
from partners.outbox.services import event_record
from partners.records.models import Agreement, BusinessReview, PartnerDocument, ReportedMetric
from prm.errors import Conflict

AGREEMENT_FIELDS = ("kind", "title", "start_on", "end_on", "status")
REVIEW_FIELDS = ("held_on", "kind", "attendees", "notes")
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_METRICS_PER_REPORT = 500

# the bytes a file of each allowed type starts with; the name's extension is only a claim
_SIGNATURES = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
}


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


# foreign keys come from the caller (a partner it read, the actor): checking them would cost a query each
_TRUSTED = ["partner", "uploaded_by", "reported_by", "recorded_by"]


def _check(instance, *, exclude: list[str] | None = None) -> None:
    """Model validation as field messages; constraints are checked explicitly by the callers."""
    instance.full_clean(exclude=[*_TRUSTED, *(exclude or [])], validate_unique=False, validate_constraints=False)


# --- agreements -----------------------------------------------------------------------


def _check_agreement_dates(agreement: Agreement) -> None:
    if agreement.end_on and agreement.start_on and agreement.end_on < agreement.start_on:
        raise ValidationError({"end_on": ["The agreement cannot end before it starts."]})


@transaction.atomic
def agreement_add(
    *,
    partner_id: int,
    actor,
    kind: str,
    title: str,
    start_on: date,
    end_on: date | None = None,
    status: str = Agreement.Status.ACTIVE,
) -> Agreement:
    """Record an agreement with a partner; an end before the start is refused with a field message."""
    partner = Partner.objects.get(pk=partner_id)
    agreement = Agreement(partner=partner, kind=kind, title=title, start_on=start_on, end_on=end_on, status=status)
    _check(agreement)
    _check_agreement_dates(agreement)
    agreement.save()
    until = f" until {end_on.isoformat()}" if end_on else ""
    timeline_record(
        partner=partner,
        actor=actor,
        kind=Activity.Kind.NOTE,
        message=f"{agreement.get_kind_display()} agreement “{title}” recorded ({status}), from {start_on}{until}",
        data={
            "record": "agreement",
            "agreement": agreement.pk,
            "kind": kind,
            "status": status,
            "start_on": _iso(start_on),
            "end_on": _iso(end_on),
        },
    )
    return agreement


@transaction.atomic
def agreement_update(*, agreement_id: int, actor, **changes) -> Agreement:
    """Change an agreement (dates, status, title, kind); the row is locked, the timeline lists the changes.

    A call that changes nothing writes nothing.
    """
    unknown = set(changes) - set(AGREEMENT_FIELDS)
    if unknown:
        raise ValueError(f"not agreement fields: {sorted(unknown)}")
    agreement = Agreement.objects.select_for_update().select_related("partner").get(pk=agreement_id)
    diff = {field: [getattr(agreement, field), value] for field, value in changes.items()}
    diff = {field: values for field, values in diff.items() if values[0] != values[1]}
    if not diff:
        return agreement
    for field, (_, value) in diff.items():
        setattr(agreement, field, value)
    _check(agreement)
    _check_agreement_dates(agreement)
    agreement.save()
    shown = {field: [_iso(a) if isinstance(a, date) else a for a in values] for field, values in diff.items()}
    timeline_record(
        partner=agreement.partner,
        actor=actor,
        kind=Activity.Kind.NOTE,
        message=f"Agreement “{agreement.title}” updated: " + ", ".join(diff),
        data={"record": "agreement", "agreement": agreement.pk, "changes": shown},
    )
    return agreement


# --- documents ------------------------------------------------------------------------


def upload_file_type(file: UploadedFile) -> str:
    """The file's type (its lower-case extension) when its name, size and first bytes agree."""
    name = os.path.basename(file.name or "")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in _SIGNATURES:
        raise ValidationError({"file": ["Upload a PDF, PNG or JPEG file."]})
    if file.size is None or file.size > MAX_DOCUMENT_BYTES:
        raise ValidationError({"file": [f"The file is larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB."]})
    if file.size == 0:
        raise ValidationError({"file": ["The file is empty."]})
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    if not any(head.startswith(signature) for signature in _SIGNATURES[extension]):
        raise ValidationError({"file": [f"The file's content is not a {extension.upper()} file."]})
    return "jpg" if extension == "jpeg" else extension


def _check_upload(file: UploadedFile, *, issued_on: date | None, expires_on: date | None) -> str:
    """The file's type, as ``upload_file_type``; a bad file and bad dates are reported together, so a
    form shows every problem at once."""
    errors: dict[str, list[str]] = {}
    extension = ""
    try:
        extension = upload_file_type(file)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if issued_on and expires_on and expires_on < issued_on:
        errors["expires_on"] = ["The document cannot expire before it was issued."]
    if errors:
        raise ValidationError(errors)
    return extension


def _document_new(
    *,
    partner: Partner,
    actor,
    kind: str,
    title: str,
    file: UploadedFile,
    extension: str,
    issued_on: date | None,
    expires_on: date | None,
) -> PartnerDocument:
    """An unsaved document with its fields checked (field messages), carrying the upload under a
    random name: the upload's own name is not trusted and never reaches a path."""
    document = PartnerDocument(
        partner=partner,
        kind=kind,
        title=title,
        issued_on=issued_on,
        expires_on=expires_on,
        uploaded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    _check(document, exclude=["file"])
    file.name = f"{uuid.uuid4().hex}.{extension}"
    document.file = file
    return document


def _discard_file(document: PartnerDocument | None) -> None:
    """Remove the file of a document whose database write failed: a rollback does not undo storage."""
    if document is not None and document.file.name:
        document.file.storage.delete(document.file.name)


def _document_data(document: PartnerDocument) -> dict:
    return {
        "record": "document",
        "document": document.pk,
        "kind": document.kind,
        "issued_on": _iso(document.issued_on),
        "expires_on": _iso(document.expires_on),
    }


def _by_partner(actor) -> bool:
    """Whether a partner login (not staff, not a job) made the change: what closes its requests."""
    return bool(actor is not None and actor.is_authenticated and not actor.is_staff)


def _document_event(document: PartnerDocument, *, actor, replaces: int | None = None) -> None:
    event_record(
        type="document.uploaded",
        object_type="document",
        object_id=document.pk,
        partner_id=document.partner_id,
        data={
            "id": document.pk,
            "partner": document.partner_id,
            "kind": document.kind,
            "title": document.title,
            "issued_on": _iso(document.issued_on),
            "expires_on": _iso(document.expires_on),
            "replaces": replaces,
            "by_partner": _by_partner(actor),
        },
        actor=actor,
    )


def _expiry(document: PartnerDocument) -> str:
    return f", expires {document.expires_on}" if document.expires_on else ""


def document_add(
    *,
    partner_id: int,
    actor,
    kind: str,
    title: str,
    file: UploadedFile,
    issued_on: date | None = None,
    expires_on: date | None = None,
) -> PartnerDocument:
    """Store a partner's document: PDF, PNG or JPEG of at most 10 MB, its type read from its first bytes.

    The stored name is random (the upload's name is not trusted and never reaches a path);
    a refused file is not stored. If the database write fails, the stored file is removed.
    """
    extension = _check_upload(file, issued_on=issued_on, expires_on=expires_on)
    partner = Partner.objects.get(pk=partner_id)
    document = _document_new(
        partner=partner, actor=actor, kind=kind, title=title, file=file, extension=extension,
        issued_on=issued_on, expires_on=expires_on,
    )  # fmt: skip
    try:
        with transaction.atomic():
            document.save()
            timeline_record(
                partner=partner,
                actor=actor,
                kind=Activity.Kind.NOTE,
                message=f"{document.get_kind_display()} document “{title}” added{_expiry(document)}",
                data=_document_data(document),
            )
            _document_event(document, actor=actor)
    except Exception:
        _discard_file(document)
        raise
    return document


def document_replace(
    *,
    document_id: int,
    actor,
    file: UploadedFile,
    title: str | None = None,
    issued_on: date | None = None,
    expires_on: date | None = None,
) -> PartnerDocument:
    """Upload a newer version of a document and mark the old one replaced by it; returns the new one.

    The new document has the old one's kind (and title, unless given), and passes the same checks
    as an upload; a refused file changes nothing. The old row is locked, so of two concurrent
    replacements one wins and the other gets Conflict ``document_replaced`` (as does replacing a
    replaced document). One timeline row names both documents. If the database write fails, the
    stored file is removed.
    """
    extension = _check_upload(file, issued_on=issued_on, expires_on=expires_on)
    document = None
    try:
        with transaction.atomic():
            old = PartnerDocument.objects.select_for_update(of=("self",)).select_related("partner").get(pk=document_id)
            if old.replaced_by_id is not None:
                raise Conflict(
                    "This document was already replaced by a newer version.",
                    code="document_replaced",
                    replaced_by=old.replaced_by_id,
                )
            document = _document_new(
                partner=old.partner, actor=actor, kind=old.kind, title=title or old.title, file=file,
                extension=extension, issued_on=issued_on, expires_on=expires_on,
            )  # fmt: skip
            document.save()
            old.replaced_by = document
            old.save(update_fields=["replaced_by"])
            timeline_record(
                partner=old.partner,
                actor=actor,
                kind=Activity.Kind.NOTE,
                message=f"{document.get_kind_display()} document “{old.title}” replaced by "
                + ("a new version" if document.title == old.title else f"“{document.title}”")
                + _expiry(document),
                data={**_document_data(document), "replaces": old.pk},
            )
            _document_event(document, actor=actor, replaces=old.pk)
    except Exception:
        _discard_file(document)
        raise
    return document


# --- reported metrics -----------------------------------------------------------------


@dataclass(frozen=True)
class MetricReport:
    """One figure to report; what ``metrics_report`` takes."""

    partner_id: int
    key: str
    period_start: date
    period_end: date
    value: Decimal
    source: str = "api"


def _check_metric(report: MetricReport) -> Decimal:
    probe = ReportedMetric(
        partner_id=report.partner_id,
        key=report.key,
        period_start=report.period_start,
        period_end=report.period_end,
        value=report.value,
        source=report.source,
    )
    try:
        value = Decimal(report.value)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ValidationError({"value": ["Give a number."]}) from exc
    if not value.is_finite():
        raise ValidationError({"value": ["Give a finite number."]})
    probe.value = value
    _check(probe)
    if report.period_end < report.period_start:
        raise ValidationError({"period_end": ["The period cannot end before it starts."]})
    return value.quantize(Decimal("0.0001"))


def metric_report(
    *,
    partner_id: int,
    actor,
    key: str,
    period_start: date,
    period_end: date,
    value: Decimal,
    source: str = "api",
) -> tuple[ReportedMetric, bool]:
    """Report a figure for a period; returns (metric, created).

    One row per partner, key and period: reporting a period again updates its value (the row is
    locked meanwhile; two concurrent first reports meet at the unique constraint and the loser
    updates). Reporting the value it already has changes nothing and writes no timeline row.
    """
    report = MetricReport(partner_id, key, period_start, period_end, value, source)
    with transaction.atomic():
        return _metric_write(report, _check_metric(report), actor)


def metrics_report(*, actor, reports: list[MetricReport]) -> list[tuple[ReportedMetric, bool]]:
    """Report several figures at once, all or nothing: every one is validated before any is written.

    Errors name the position: ``{"1.key": ["…"]}``. At most MAX_METRICS_PER_REPORT at a time.
    """
    if len(reports) > MAX_METRICS_PER_REPORT:
        raise ValidationError({"non_field_errors": [f"At most {MAX_METRICS_PER_REPORT} metrics at a time."]})
    errors: dict[str, list[str]] = {}
    values = []
    for index, report in enumerate(reports):
        try:
            values.append(_check_metric(report))
        except ValidationError as exc:
            errors |= {f"{index}.{field}": messages for field, messages in exc.message_dict.items()}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        return [_metric_write(report, value, actor) for report, value in zip(reports, values, strict=True)]


def _metric_write(report: MetricReport, value: Decimal, actor) -> tuple[ReportedMetric, bool]:
    partner = Partner.objects.get(pk=report.partner_id)
    reporter = actor if actor is not None and actor.is_authenticated else None
    metric, created = ReportedMetric.objects.select_for_update().get_or_create(
        partner=partner,
        key=report.key,
        period_start=report.period_start,
        period_end=report.period_end,
        defaults={"value": value, "source": report.source, "reported_by": reporter},
    )
    period = f"{report.period_start} – {report.period_end}"
    data = {
        "record": "metric",
        "metric": metric.pk,
        "key": report.key,
        "period_start": _iso(report.period_start),
        "period_end": _iso(report.period_end),
        "value": str(value),
        "source": report.source,
    }
    if created:
        message = f"Metric {report.key} reported: {value.normalize():f} for {period}"
    else:
        if metric.value == value and metric.source == report.source:
            return metric, False
        data["previous"] = str(metric.value)
        message = f"Metric {report.key} for {period} updated: {metric.value.normalize():f} → {value.normalize():f}"
        metric.value, metric.source, metric.reported_by = value, report.source, reporter
        metric.save(update_fields=["value", "source", "reported_by"])
    timeline_record(
        partner=partner, actor=actor, kind=Activity.Kind.NOTE, message=message, data=data, counts_as_activity=False
    )
    return metric, created


# --- business reviews -----------------------------------------------------------------


def _check_review(review: BusinessReview) -> None:
    _check(review)
    if review.held_on > timezone.localdate():
        raise ValidationError({"held_on": ["Record a review once it has been held; this date is in the future."]})


@transaction.atomic
def review_record(
    *, partner_id: int, actor, held_on: date, kind: str, attendees: str = "", notes: str = ""
) -> BusinessReview:
    """Record a review meeting held with a partner (a "meeting" on the timeline, dated when it was held)."""
    partner = Partner.objects.get(pk=partner_id)
    review = BusinessReview(
        partner=partner,
        held_on=held_on,
        kind=kind,
        attendees=attendees,
        notes=notes,
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    _check_review(review)
    review.save()
    timeline_record(
        partner=partner,
        actor=actor,
        kind=Activity.Kind.MEETING,
        message=f"{review.get_kind_display()} held on {held_on}" + (f" with {attendees}" if attendees else ""),
        data={"record": "review", "review": review.pk, "kind": kind, "held_on": _iso(held_on)},
    )
    event_record(
        type="review.recorded",
        object_type="review",
        object_id=review.pk,
        partner_id=partner.pk,
        data={
            "id": review.pk,
            "partner": partner.pk,
            "kind": kind,
            "held_on": _iso(held_on),
            "by_partner": _by_partner(actor),
        },
        actor=actor,
    )
    return review


@transaction.atomic
def review_update(*, review_id: int, actor, **changes) -> BusinessReview:
    """Correct a recorded review (date, kind, attendees, notes); a call that changes nothing writes nothing."""
    unknown = set(changes) - set(REVIEW_FIELDS)
    if unknown:
        raise ValueError(f"not review fields: {sorted(unknown)}")
    review = BusinessReview.objects.select_for_update().select_related("partner").get(pk=review_id)
    diff = {field: [getattr(review, field), value] for field, value in changes.items()}
    diff = {field: values for field, values in diff.items() if values[0] != values[1]}
    if not diff:
        return review
    for field, (_, value) in diff.items():
        setattr(review, field, value)
    _check_review(review)
    review.save()
    shown = {
        field: [_iso(a) if isinstance(a, date) else a for a in values]
        for field, values in diff.items()
        if field != "notes"  # notes can be long; the timeline says they changed
    }
    timeline_record(
        partner=review.partner,
        actor=actor,
        kind=Activity.Kind.NOTE,
        message=f"{review.get_kind_display()} of {review.held_on} updated: " + ", ".join(diff),
        data={"record": "review", "review": review.pk, "changes": shown},
    )
    return review
