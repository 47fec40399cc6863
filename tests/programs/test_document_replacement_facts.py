"""The rules judge the documents a partner holds now: a replaced document no longer counts."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from partners.records import services
from programs.strategies.facts import partner_facts
from programs.strategies.rules.document_compliance import DocumentCompliance
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 26)
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _situations(partner) -> list[tuple[str, int | None]]:
    facts = partner_facts(partner_ids=[partner.pk], today=TODAY)[partner.pk]
    drafts = DocumentCompliance({"required_kinds": ["insurance"]}).evaluate(facts)
    return [(draft.evidence["situation"], draft.evidence.get("document_id")) for draft in drafts]


def test_a_replaced_expired_document_no_longer_raises_an_expired_alert():
    # given: an expired certificate with an issue date, replaced by a valid one given without one
    # (undated documents count as oldest, so only the replacement link keeps the old one out)
    partner = PartnerFactory()
    old = services.document_add(
        partner_id=partner.pk, actor=None, kind="insurance", title="Cover 2025",
        file=SimpleUploadedFile("old.pdf", PDF), issued_on=TODAY - timedelta(days=400),
        expires_on=TODAY - timedelta(days=5),
    )  # fmt: skip
    assert _situations(partner) == [("expired", old.pk)]
    # when
    new = services.document_replace(
        document_id=old.pk, actor=None, file=SimpleUploadedFile("new.pdf", PDF), expires_on=TODAY + timedelta(days=365)
    )
    # then
    facts = partner_facts(partner_ids=[partner.pk], today=TODAY)[partner.pk]
    assert [document.id for document in facts.documents] == [new.pk]
    assert _situations(partner) == []


def test_a_replacement_that_is_itself_expired_is_judged_on_its_own():
    # given
    partner = PartnerFactory()
    old = services.document_add(
        partner_id=partner.pk, actor=None, kind="insurance", title="Cover", file=SimpleUploadedFile("o.pdf", PDF),
        expires_on=TODAY + timedelta(days=300),
    )  # fmt: skip
    # when: the replacement uploaded by mistake has already expired
    new = services.document_replace(
        document_id=old.pk, actor=None, file=SimpleUploadedFile("n.pdf", PDF), expires_on=TODAY - timedelta(days=1)
    )
    # then
    assert _situations(partner) == [("expired", new.pk)]
