"""Partners with contacts, definitions and certifications as the services record them."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from programs.certifications.models import CertificationDefinition
from programs.certifications.services import certification_record, certification_verify
from tests.partners.factories import ContactFactory

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def pdf(name: str = "certificate.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def definition(name: str = "Clinical integration", vertical: str = "healthcare", months: int = 24):
    found, _ = CertificationDefinition.objects.get_or_create(
        name=name, defaults={"vertical_id": vertical, "validity_months": months}
    )
    return found


def days_ago(days: int) -> date:
    return timezone.localdate() - timedelta(days=days)


def record(partner, *, contact=None, of=None, earned_on=None, actor=None, evidence=None, **fields):
    """A certification recorded for ``contact`` (a new contact of ``partner`` by default)."""
    contact = contact or ContactFactory(partner=partner)
    return certification_record(
        partner_id=partner.pk,
        actor=actor,
        contact_id=contact.pk,
        definition_id=(of or definition()).pk,
        earned_on=earned_on or days_ago(30),
        evidence=evidence,
        **fields,
    )


def verified(partner, *, by, **fields):
    return certification_verify(certification_id=record(partner, **fields).pk, actor=by)
