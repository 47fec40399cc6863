"""Recording, verifying and rejecting certifications; the definitions; bad input refused with
field messages; each change on the partner's timeline and in the outbox."""

from datetime import date

import pytest

from partners.models import Activity
from partners.outbox.models import Event
from prm.errors import FieldErrors
from programs.certifications.models import Certification, CertificationDefinition
from programs.certifications.services import (
    CONTACT_UNKNOWN,
    AdministratorsOnly,
    CannotDecideCertification,
    InvalidCertificationTransition,
    add_months,
    certification_record,
    certification_reject,
    certification_verify,
    definition_create,
    definition_update,
)
from tests.factories import UserFactory
from tests.notifications.helpers import partner_login
from tests.partners.factories import ContactFactory
from tests.programs.certifications.helpers import PNG, days_ago, definition, pdf, record

pytestmark = pytest.mark.django_db


def _errors(call) -> dict:
    with pytest.raises(FieldErrors) as caught:
        call()
    return caught.value.errors


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [(date(2026, 1, 31), 1, date(2026, 2, 28)), (date(2024, 1, 31), 1, date(2024, 2, 29)),
     (date(2026, 11, 15), 24, date(2028, 11, 15)), (date(2026, 12, 1), 1, date(2027, 1, 1))],
)  # fmt: skip
def test_months_are_added_on_the_calendar(day, months, expected):
    assert add_months(day, months) == expected


def test_a_partner_member_records_a_certification_that_waits_for_verification(alpha):
    # given
    amy = partner_login(alpha)
    contact = ContactFactory(partner=alpha, name="Ada Lovelace")
    clinical = definition(months=24)
    # when
    certification = record(alpha, contact=contact, of=clinical, earned_on=date(2026, 3, 31), actor=amy, evidence=pdf())
    # then: pending, expiring after the validity, the file stored under a random name
    assert certification.state == Certification.State.PENDING
    assert certification.expires_on == date(2028, 3, 31)
    assert (certification.partner, certification.recorded_by) == (alpha, amy)
    assert certification.evidence.name.startswith("certifications/") and certification.evidence.name.endswith(".pdf")
    assert "certificate" not in certification.evidence.name
    event = Event.objects.get(type="certification.recorded")
    assert (event.partner_id, event.object_id) == (alpha.pk, str(certification.pk))
    assert event.data["contact_name"] == "Ada Lovelace"
    assert event.data["vertical"] == "healthcare"
    assert event.data["has_evidence"] is True
    note = Activity.objects.get(partner=alpha, kind="certification")
    assert note.message == "Certification recorded: Clinical integration, Ada Lovelace"
    assert note.actor == amy


def test_a_given_expiry_is_kept(alpha):
    certification = record(alpha, earned_on=date(2026, 1, 10), expires_on=date(2026, 7, 1))
    assert certification.expires_on == date(2026, 7, 1)


def test_bad_input_is_refused_with_every_field_message_at_once(alpha):
    # given: a date in the future, an expiry before it, a file that is not what it says
    contact = ContactFactory(partner=alpha)
    fake = pdf("certificate.pdf", b"MZ\x90\x00 not a pdf at all")
    # when
    errors = _errors(
        lambda: certification_record(
            partner_id=alpha.pk, actor=None, contact_id=contact.pk, definition_id=definition().pk,
            earned_on=days_ago(-2), expires_on=days_ago(-1), evidence=fake,
        )
    )  # fmt: skip
    # then
    assert errors == {
        "earned_on": ["The date earned is in the future."],
        "expires_on": ["The expiry must be after the date earned."],
        "evidence": ["The file's content is not a PDF file."],
    }
    assert not Certification.objects.exists()
    assert not Event.objects.filter(type__startswith="certification.").exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.exe", b"MZ", "Upload a PDF, PNG or JPEG file."),
        ("scan.png", b"%PDF-1.4 really a pdf", "The file's content is not a PNG file."),
        ("empty.pdf", b"", "The file is empty."),
    ],
)
def test_a_wrong_file_is_refused_next_to_the_evidence(alpha, name, content, message):
    errors = _errors(lambda: record(alpha, evidence=pdf(name, content)))
    assert errors == {"evidence": [message]}


def test_a_png_certificate_is_accepted(alpha):
    certification = record(alpha, evidence=pdf("scan.png", PNG))
    assert certification.evidence.name.endswith(".png")


def test_an_expiry_not_after_the_date_earned_is_refused(alpha):
    errors = _errors(lambda: record(alpha, earned_on=date(2026, 5, 1), expires_on=date(2026, 5, 1)))
    assert errors == {"expires_on": ["The expiry must be after the date earned."]}


def test_another_organisations_contact_reads_like_one_that_does_not_exist(alpha, bravo):
    # given
    stranger = ContactFactory(partner=bravo)
    # when
    theirs = _errors(lambda: record(alpha, contact=stranger))
    missing = _errors(
        lambda: certification_record(
            partner_id=alpha.pk, actor=None, contact_id=10**9, definition_id=definition().pk, earned_on=days_ago(3)
        )
    )
    # then: the same words, naming nothing of the other organisation
    assert theirs == missing == {"contact": [CONTACT_UNKNOWN]}
    assert not Certification.objects.exists()


def test_a_retired_or_unknown_definition_is_refused(alpha):
    retired = CertificationDefinition.objects.create(name="Old", vertical_id="retail", is_active=False)
    assert _errors(lambda: record(alpha, of=retired)) == {"definition": ["Choose a certification from the list."]}


def test_the_same_certification_earned_the_same_day_is_recorded_once(alpha):
    # given
    contact = ContactFactory(partner=alpha)
    record(alpha, contact=contact, earned_on=date(2026, 2, 2))
    # when
    errors = _errors(lambda: record(alpha, contact=contact, earned_on=date(2026, 2, 2), evidence=pdf()))
    # then
    assert errors == {"definition": ["This certification is already recorded for the contact with this date."]}
    assert Certification.objects.count() == 1


def test_the_owner_verifies_and_the_decision_is_recorded(alpha, owner):
    # given
    certification = record(alpha)
    # when
    verified = certification_verify(certification_id=certification.pk, actor=owner)
    # then
    verified.refresh_from_db()
    assert (verified.state, verified.verified_by) == ("verified", owner)
    assert verified.verified_at is not None
    event = Event.objects.get(type="certification.verified")
    assert (event.partner_id, event.data["state"]) == (alpha.pk, "verified")
    assert Activity.objects.filter(partner=alpha, message__startswith="Certification verified").count() == 1


def test_a_rejection_needs_a_reason_and_carries_it(alpha, owner):
    # given
    certification = record(alpha)
    # when / then
    assert _errors(lambda: certification_reject(certification_id=certification.pk, actor=owner, reason=" ")) == {
        "reason": ["Say why the certification is rejected; the partner reads it."]
    }
    rejected = certification_reject(certification_id=certification.pk, actor=owner, reason="Certificate unreadable")
    assert (rejected.state, rejected.rejection_reason) == ("rejected", "Certificate unreadable")
    assert Event.objects.get(type="certification.rejected").data["rejection_reason"] == "Certificate unreadable"


def test_a_decided_certification_is_not_decided_again(alpha, owner):
    certification = record(alpha)
    certification_verify(certification_id=certification.pk, actor=owner)
    with pytest.raises(InvalidCertificationTransition):
        certification_reject(certification_id=certification.pk, actor=owner, reason="Changed my mind")
    with pytest.raises(InvalidCertificationTransition):
        certification_verify(certification_id=certification.pk, actor=owner)


@pytest.mark.parametrize("who", ["other_manager", "analyst", "partner_admin"])
def test_only_the_partners_manager_or_an_admin_decides(alpha, who):
    # given
    certification = record(alpha)
    actor = (
        partner_login(alpha, role="partner_admin")
        if who == "partner_admin"
        else UserFactory(role="analyst" if who == "analyst" else "manager")
    )
    # when / then
    with pytest.raises(CannotDecideCertification):
        certification_verify(certification_id=certification.pk, actor=actor)
    certification.refresh_from_db()
    assert certification.state == "pending"


def test_an_admin_decides_for_any_partner(alpha, admin_user):
    certification = record(alpha)
    assert certification_verify(certification_id=certification.pk, actor=admin_user).state == "verified"


def test_an_admin_keeps_the_definitions(admin_user):
    # when
    created = definition_create(actor=admin_user, name=" Payments security ", vertical="financial-services",
                                validity_months=36)  # fmt: skip
    updated = definition_update(definition_id=created.pk, actor=admin_user, validity_months=12, is_active=False)
    # then
    assert (created.name, created.vertical_id) == ("Payments security", "financial-services")
    assert (updated.validity_months, updated.is_active) == (12, False)


def test_definitions_refuse_unknown_verticals_bad_validity_and_taken_names(admin_user):
    # given
    definition_create(actor=admin_user, name="Clinical", vertical="healthcare", validity_months=24)
    # when
    errors = _errors(
        lambda: definition_create(actor=admin_user, name="clinical", vertical="astrology", validity_months=121)
    )
    # then
    assert errors == {
        "name": ["A certification with this name exists already."],
        "vertical": ["Unknown vertical “astrology”."],
        "validity_months": ["Must be a whole number of months from 1 to 120."],
    }


def test_only_administrators_change_definitions(manager):
    with pytest.raises(AdministratorsOnly):
        definition_create(actor=manager, name="Clinical", vertical="healthcare", validity_months=24)
    assert not CertificationDefinition.objects.exists()
