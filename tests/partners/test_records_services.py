"""Relationship records: agreements, documents, reported metrics and reviews, written by their services."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from partners.models import Activity
from partners.records import selectors, services
from partners.records.models import Agreement, BusinessReview, PartnerDocument, ReportedMetric
from partners.records.services import MetricReport
from partners.services import partner_create
from prm.errors import Conflict
from tests.factories import UserFactory

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def make_partner(manager):
    def make(name: str, type: str = "support"):
        return partner_create(actor=manager, name=name, type=type, country="DE", status="active")

    return make


@pytest.fixture
def partner(make_partner):
    return make_partner("Helix Health")


def _notes(partner, record: str) -> list[Activity]:
    return list(partner.activities.filter(data__record=record).order_by("id"))


def _stored_files(media) -> list:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


# --- agreements ---------------------------------------------------------------------------


def test_adding_an_agreement_writes_a_timeline_note(partner, manager):
    # when
    agreement = services.agreement_add(
        partner_id=partner.pk, actor=manager, kind="reseller", title="Reseller 2026",
        start_on=date(2026, 1, 1), end_on=date(2026, 12, 31),
    )  # fmt: skip
    # then
    assert agreement.status == Agreement.Status.ACTIVE
    [note] = _notes(partner, "agreement")
    assert note.kind == Activity.Kind.NOTE
    assert note.actor == manager
    assert note.data == {
        "record": "agreement", "agreement": agreement.pk, "kind": "reseller", "status": "active",
        "start_on": "2026-01-01", "end_on": "2026-12-31",
    }  # fmt: skip
    assert "Reseller 2026" in note.message


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"end_on": date(2025, 12, 31)}, "end_on"),
        ({"kind": "marriage"}, "kind"),
        ({"status": "forever"}, "status"),
        ({"title": ""}, "title"),
    ],
)
def test_an_invalid_agreement_is_refused_with_a_field_message_and_nothing_written(partner, manager, fields, field):
    # given
    before = partner.activities.count()
    # when
    with pytest.raises(ValidationError) as raised:
        services.agreement_add(
            partner_id=partner.pk, actor=manager,
            **{"kind": "reseller", "title": "R", "start_on": date(2026, 1, 1), **fields},
        )  # fmt: skip
    # then
    assert field in raised.value.message_dict
    assert not Agreement.objects.exists()
    assert partner.activities.count() == before


def test_the_database_refuses_an_agreement_ending_before_it_starts(partner):
    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        Agreement.objects.create(partner=partner, kind="reseller", title="R", start_on=date(2026, 2, 1),
                                 end_on=date(2026, 1, 1))  # fmt: skip


def test_updating_an_agreement_lists_the_changes_and_an_empty_update_writes_nothing(partner, manager):
    # given
    agreement = services.agreement_add(
        partner_id=partner.pk, actor=manager, kind="referral", title="Referral", start_on=date(2026, 1, 1)
    )
    # when
    services.agreement_update(agreement_id=agreement.pk, actor=manager, status="terminated", end_on=date(2026, 6, 1))
    services.agreement_update(agreement_id=agreement.pk, actor=manager, status="terminated")
    # then
    agreement.refresh_from_db()
    assert (agreement.status, agreement.end_on) == ("terminated", date(2026, 6, 1))
    _added, updated = _notes(partner, "agreement")
    assert updated.data["changes"] == {"status": ["active", "terminated"], "end_on": [None, "2026-06-01"]}


def test_an_update_moving_the_end_before_the_start_is_refused(partner, manager):
    # given
    agreement = services.agreement_add(
        partner_id=partner.pk, actor=manager, kind="referral", title="Referral", start_on=date(2026, 3, 1)
    )
    # when
    with pytest.raises(ValidationError) as raised:
        services.agreement_update(agreement_id=agreement.pk, actor=manager, end_on=date(2026, 2, 1))
    # then
    assert "end_on" in raised.value.message_dict
    agreement.refresh_from_db()
    assert agreement.end_on is None


# --- documents ----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "content"), [("kyc.pdf", PDF), ("scan.PNG", PNG), ("photo.jpeg", JPEG)])
def test_a_pdf_png_or_jpeg_document_is_stored_under_a_random_name(partner, manager, _media, name, content):
    # when
    document = services.document_add(
        partner_id=partner.pk, actor=manager, kind="kyc", title="KYC 2026",
        file=SimpleUploadedFile(name, content), expires_on=date(2027, 1, 1),
    )  # fmt: skip
    # then
    assert document.uploaded_by == manager
    assert document.file.name.startswith("partner-documents/")
    assert name.split(".")[0] not in document.file.name
    assert [path.read_bytes() for path in _stored_files(_media)] == [content]
    [note] = _notes(partner, "document")
    assert note.data["kind"] == "kyc" and note.data["expires_on"] == "2027-01-01"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("kyc.exe", b"MZ\x90\x00", "Upload a PDF, PNG or JPEG file."),
        ("kyc", PDF, "Upload a PDF, PNG or JPEG file."),
        ("kyc.pdf", b"<html><script>alert(1)</script>", "The file's content is not a PDF file."),
        ("kyc.png", JPEG, "The file's content is not a PNG file."),
        ("kyc.pdf", b"", "The file is empty."),
    ],
)
def test_a_file_of_the_wrong_type_is_refused_and_nothing_is_stored(partner, manager, _media, name, content, message):
    # when
    with pytest.raises(ValidationError) as raised:
        services.document_add(
            partner_id=partner.pk, actor=manager, kind="kyc", title="KYC", file=SimpleUploadedFile(name, content)
        )
    # then
    assert raised.value.message_dict == {"file": [message]}
    assert not PartnerDocument.objects.exists()
    assert _stored_files(_media) == []
    assert _notes(partner, "document") == []


def test_a_file_over_ten_megabytes_is_refused(partner, manager, _media):
    # given
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (10 * 1024 * 1024))
    # when
    with pytest.raises(ValidationError) as raised:
        services.document_add(partner_id=partner.pk, actor=manager, kind="kyc", title="KYC", file=big)
    # then
    assert raised.value.message_dict == {"file": ["The file is larger than 10 MB."]}
    assert _stored_files(_media) == []


def test_a_document_expiring_before_it_was_issued_is_refused_and_not_stored(partner, manager, _media):
    # when
    with pytest.raises(ValidationError) as raised:
        services.document_add(
            partner_id=partner.pk, actor=manager, kind="nda", title="NDA", file=SimpleUploadedFile("n.pdf", PDF),
            issued_on=date(2026, 5, 1), expires_on=date(2026, 4, 1),
        )  # fmt: skip
    # then
    assert "expires_on" in raised.value.message_dict
    assert _stored_files(_media) == []


def test_the_stored_file_is_removed_when_the_database_write_fails(partner, manager, _media, monkeypatch):
    # given: the timeline write fails after the file was saved
    def broken(**kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(services, "timeline_record", broken)
    # when
    with pytest.raises(RuntimeError):
        services.document_add(
            partner_id=partner.pk, actor=manager, kind="kyc", title="KYC", file=SimpleUploadedFile("k.pdf", PDF)
        )
    # then
    assert not PartnerDocument.objects.exists()
    assert _stored_files(_media) == []


def _document(partner, actor, **fields) -> PartnerDocument:
    values = {"kind": "insurance", "title": "Insurance 2025", "file": SimpleUploadedFile("i.pdf", PDF)}
    return services.document_add(partner_id=partner.pk, actor=actor, **{**values, **fields})


def test_replacing_a_document_keeps_its_kind_and_title_and_writes_one_timeline_row(partner, manager, _media):
    # given
    old = _document(partner, manager, issued_on=date(2025, 1, 1), expires_on=date(2026, 1, 1))
    partner_user = UserFactory(is_staff=False)
    # when
    new = services.document_replace(
        document_id=old.pk, actor=partner_user, file=SimpleUploadedFile("renewed.png", PNG),
        expires_on=date(2027, 1, 1),
    )  # fmt: skip
    # then
    old.refresh_from_db()
    assert old.replaced_by == new
    assert (new.partner, new.kind, new.title, new.uploaded_by) == (partner, "insurance", "Insurance 2025", partner_user)
    assert (new.issued_on, new.expires_on) == (None, date(2027, 1, 1))
    assert new.replaced_by is None
    assert "renewed" not in new.file.name and new.file.name.endswith(".png")
    assert sorted(path.read_bytes() for path in _stored_files(_media)) == sorted([PDF, PNG])
    added, replaced = _notes(partner, "document")
    assert added.data["document"] == old.pk
    assert (
        replaced.message
        == "Insurance certificate document “Insurance 2025” replaced by a new version, expires 2027-01-01"
    )
    assert (replaced.data["document"], replaced.data["replaces"]) == (new.pk, old.pk)


def test_a_replacement_may_have_its_own_title(partner, manager, _media):
    # given
    old = _document(partner, manager)
    # when
    new = services.document_replace(
        document_id=old.pk, actor=manager, file=SimpleUploadedFile("i.pdf", PDF), title="Insurance 2026"
    )
    # then
    assert new.title == "Insurance 2026"
    assert PartnerDocument.objects.get(pk=old.pk).title == "Insurance 2025"
    assert (
        _notes(partner, "document")[-1].message
        == "Insurance certificate document “Insurance 2025” replaced by “Insurance 2026”"
    )


@pytest.mark.parametrize(
    ("name", "content", "fields", "field"),
    [
        ("i.exe", b"MZ\x90\x00", {}, "file"),
        ("i.pdf", b"<html>not a pdf</html>", {}, "file"),
        ("i.pdf", PDF + b"0" * (10 * 1024 * 1024), {}, "file"),
        ("i.pdf", PDF, {"issued_on": date(2026, 5, 1), "expires_on": date(2026, 4, 1)}, "expires_on"),
        ("i.pdf", PDF, {"title": "x" * 201}, "title"),
    ],
)
def test_a_refused_replacement_changes_nothing_and_stores_no_file(
    partner, manager, _media, name, content, fields, field
):
    # given
    old = _document(partner, manager)
    # when
    with pytest.raises(ValidationError) as raised:
        services.document_replace(document_id=old.pk, actor=manager, file=SimpleUploadedFile(name, content), **fields)
    # then
    assert list(raised.value.message_dict) == [field]
    assert list(PartnerDocument.objects.values_list("pk", "replaced_by")) == [(old.pk, None)]
    assert [path.read_bytes() for path in _stored_files(_media)] == [PDF]
    assert len(_notes(partner, "document")) == 1


def test_a_replaced_document_cannot_be_replaced_again(partner, manager, _media):
    # given
    old = _document(partner, manager)
    new = services.document_replace(document_id=old.pk, actor=manager, file=SimpleUploadedFile("i.pdf", PDF))
    # when
    with pytest.raises(Conflict) as raised:
        services.document_replace(document_id=old.pk, actor=manager, file=SimpleUploadedFile("again.png", PNG))
    # then
    assert raised.value.code == "document_replaced"
    assert raised.value.extra == {"replaced_by": new.pk}
    assert PartnerDocument.objects.count() == 2
    assert PartnerDocument.objects.get(pk=old.pk).replaced_by_id == new.pk
    assert [path.read_bytes() for path in _stored_files(_media)] == [PDF, PDF]
    assert len(_notes(partner, "document")) == 2


def test_the_replacement_file_is_removed_when_the_database_write_fails(partner, manager, _media, monkeypatch):
    # given: the timeline write fails after the new file was saved
    old = _document(partner, manager)

    def broken(**kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(services, "timeline_record", broken)
    # when
    with pytest.raises(RuntimeError):
        services.document_replace(document_id=old.pk, actor=manager, file=SimpleUploadedFile("new.png", PNG))
    # then
    assert list(PartnerDocument.objects.values_list("pk", "replaced_by")) == [(old.pk, None)]
    assert [path.read_bytes() for path in _stored_files(_media)] == [PDF]


def test_current_documents_and_their_earlier_versions(partner, manager, make_partner, _media):
    # given: insurance replaced twice, an NDA never, another partner's document replaced once
    first = _document(partner, manager, title="Insurance 2024")
    second = services.document_replace(
        document_id=first.pk, actor=manager, file=SimpleUploadedFile("i.pdf", PDF), title="Insurance 2025"
    )
    third = services.document_replace(
        document_id=second.pk, actor=manager, file=SimpleUploadedFile("i.pdf", PDF), title="Insurance 2026"
    )
    nda = _document(partner, manager, kind="nda", title="NDA")
    other = _document(make_partner("Other"), manager)
    services.document_replace(document_id=other.pk, actor=manager, file=SimpleUploadedFile("i.pdf", PDF))
    # when
    current = selectors.document_list(user=manager, partner_ids=[partner.pk], current_only=True)
    everything = selectors.document_list(user=manager, partner_ids=[partner.pk])
    earlier = selectors.document_earlier_versions(user=manager, partner_ids=[partner.pk])
    # then
    assert sorted(document.pk for document in current) == [third.pk, nda.pk]
    assert everything.count() == 4
    assert {key: [document.title for document in versions] for key, versions in earlier.items()} == {
        third.pk: ["Insurance 2025", "Insurance 2024"]
    }


# --- reported metrics ---------------------------------------------------------------------


def _report(partner, actor, value="97.5", **fields):
    return services.metric_report(
        partner_id=partner.pk, actor=actor,
        **{"key": "sla_compliance_pct", "period_start": date(2026, 10, 1), "period_end": date(2026, 10, 31),
           "value": Decimal(value), "source": "api", **fields},
    )  # fmt: skip


def test_reporting_a_period_again_updates_it_instead_of_adding_a_row(partner, manager):
    # when
    first, created = _report(partner, manager, "97.5")
    second, created_again = _report(partner, manager, "94.25", source="portal")
    # then
    assert (created, created_again) == (True, False)
    assert first.pk == second.pk
    metric = ReportedMetric.objects.get()
    assert (metric.value, metric.source, metric.reported_by) == (Decimal("94.2500"), "portal", manager)
    reported, updated = _notes(partner, "metric")
    assert reported.message == "Metric sla_compliance_pct reported: 97.5 for 2026-10-01 – 2026-10-31"
    assert updated.data["previous"] == "97.5000" and updated.data["value"] == "94.2500"
    assert "97.5 → 94.25" in updated.message


def test_reporting_the_same_value_again_writes_no_timeline_row(partner, manager):
    # given
    _report(partner, manager, "4.6", key="csat")
    # when
    _, created = _report(partner, manager, "4.60", key="csat")
    # then
    assert created is False
    assert len(_notes(partner, "metric")) == 1


def test_another_period_or_key_is_a_new_row(partner, manager):
    # when
    _report(partner, manager)
    _report(partner, manager, period_start=date(2026, 11, 1), period_end=date(2026, 11, 30))
    _report(partner, manager, key="csat", value="4.4")
    # then
    assert ReportedMetric.objects.count() == 3


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"period_end": date(2026, 9, 30)}, "period_end"),
        ({"key": "SLA %"}, "key"),
        ({"key": "9lives"}, "key"),
        ({"key": "x" * 51}, "key"),
        ({"value": "1.23456"}, "value"),
        ({"value": "123456789"}, "value"),
        ({"source": "s" * 51}, "source"),
    ],
)
def test_an_invalid_report_is_refused_with_a_field_message(partner, manager, fields, field):
    # given
    value = fields.pop("value", "97.5")
    # when
    with pytest.raises(ValidationError) as raised:
        _report(partner, manager, value, **fields)
    # then
    assert field in raised.value.message_dict
    assert not ReportedMetric.objects.exists()


def test_the_database_refuses_a_period_ending_before_it_starts_and_a_second_row_per_period(partner):
    # given
    fields = {"partner": partner, "key": "csat", "value": 4, "period_start": date(2026, 1, 1)}
    ReportedMetric.objects.create(**fields, period_end=date(2026, 1, 31))
    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportedMetric.objects.create(**fields, period_end=date(2025, 12, 31))
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportedMetric.objects.create(**fields, period_end=date(2026, 1, 31))


def test_reporting_many_is_all_or_nothing_and_names_the_position_of_an_error(partner, manager):
    # given
    good = MetricReport(partner.pk, "csat", date(2026, 1, 1), date(2026, 1, 31), Decimal("4.5"))
    bad = MetricReport(partner.pk, "csat", date(2026, 2, 28), date(2026, 2, 1), Decimal("4.1"))
    # when
    with pytest.raises(ValidationError) as raised:
        services.metrics_report(actor=manager, reports=[good, bad])
    # then
    assert raised.value.message_dict == {"1.period_end": ["The period cannot end before it starts."]}
    assert not ReportedMetric.objects.exists()
    # when
    written = services.metrics_report(actor=manager, reports=[good, good])
    # then
    assert [created for _, created in written] == [True, False]
    assert ReportedMetric.objects.count() == 1


# --- reviews ------------------------------------------------------------------------------


def test_recording_a_review_writes_a_meeting_on_the_timeline(partner, manager):
    # when
    review = services.review_record(
        partner_id=partner.pk, actor=manager, held_on=date(2026, 3, 14), kind="strategy_review",
        attendees="Anna Berg, Bo Lind", notes="Agreed on the 2027 plan.",
    )  # fmt: skip
    # then
    assert review.recorded_by == manager
    [meeting] = partner.activities.filter(kind=Activity.Kind.MEETING)
    assert meeting.message == "Strategy review held on 2026-03-14 with Anna Berg, Bo Lind"
    assert meeting.data == {"record": "review", "review": review.pk, "kind": "strategy_review", "held_on": "2026-03-14"}


def test_a_review_in_the_future_or_of_an_unknown_kind_is_refused(partner, manager):
    # when / then
    tomorrow = date.today() + timedelta(days=2)
    with pytest.raises(ValidationError) as future:
        services.review_record(partner_id=partner.pk, actor=manager, held_on=tomorrow, kind="business_review")
    with pytest.raises(ValidationError) as unknown:
        services.review_record(partner_id=partner.pk, actor=manager, held_on=date(2026, 1, 1), kind="party")
    assert "held_on" in future.value.message_dict
    assert "kind" in unknown.value.message_dict
    assert not BusinessReview.objects.exists()


def test_updating_a_review_records_what_changed(partner, manager):
    # given
    review = services.review_record(
        partner_id=partner.pk, actor=manager, held_on=date(2026, 1, 5), kind="pipeline_review"
    )
    # when
    services.review_update(review_id=review.pk, actor=manager, held_on=date(2026, 1, 6), notes="Long notes")
    # then
    [note] = partner.activities.filter(kind=Activity.Kind.NOTE, data__record="review")
    assert note.data["changes"] == {"held_on": ["2026-01-05", "2026-01-06"]}
    assert "notes" in note.message


# --- selectors ----------------------------------------------------------------------------


def test_selectors_show_nothing_to_a_login_without_staff_rights(partner, manager):
    # given
    _report(partner, manager)
    services.review_record(partner_id=partner.pk, actor=manager, held_on=date(2026, 1, 5), kind="business_review")
    outsider = UserFactory(is_staff=False)
    # then
    assert selectors.metric_list(user=manager).count() == 1
    assert selectors.metric_list(user=outsider).count() == 0
    assert selectors.review_list(user=outsider).count() == 0
    assert selectors.agreement_list(user=outsider).count() == 0
    assert selectors.document_list(user=outsider).count() == 0


def test_metric_list_filters_by_partner_key_and_period(partner, manager, make_partner):
    # given
    other = make_partner("Other")
    _report(partner, manager)
    _report(partner, manager, key="csat", value="4.1", period_start=date(2026, 9, 1), period_end=date(2026, 9, 30))
    _report(other, manager)
    # then
    assert selectors.metric_list(user=manager, partner_ids=[partner.pk]).count() == 2
    assert selectors.metric_list(user=manager, keys=["csat"]).count() == 1
    assert selectors.metric_list(user=manager, since=date(2026, 10, 1)).count() == 2


def test_a_reported_metric_is_on_the_timeline_but_does_not_count_as_activity(db, manager):
    # given: an integration feeds a quiet partner's monthly SLA
    from datetime import date, timedelta

    from django.utils import timezone

    from partners.models import Activity, Partner
    from partners.records.services import metric_report
    from partners.services import partner_create

    partner = partner_create(actor=manager, name="Quiet Support", type="support", country="DE")
    long_ago = timezone.now() - timedelta(days=200)
    Partner.objects.filter(pk=partner.pk).update(last_activity_at=long_ago)
    # when
    metric_report(
        partner_id=partner.pk, actor=manager, key="sla_compliance_pct", period_start=date(2026, 10, 1),
        period_end=date(2026, 10, 31), value=Decimal("97.5"),
    )  # fmt: skip
    # then
    assert Partner.objects.get(pk=partner.pk).last_activity_at == long_ago
    assert Activity.objects.filter(partner=partner, message__contains="sla_compliance_pct").exists()
