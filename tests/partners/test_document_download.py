from django.core.files.base import ContentFile

from partners.models import PartnerUser
from partners.records.models import PartnerDocument
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory

PDF = b"%PDF-1.4\n% a small file\n"


def _document(partner, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    document = PartnerDocument(partner=partner, kind="kyc", title="KYC 2026")
    document.file.save("kyc.pdf", ContentFile(PDF), save=True)
    return document


def test_a_partner_downloads_its_own_document_and_not_anothers(client, settings, tmp_path, db):
    # given
    mine, theirs = PartnerFactory(), PartnerFactory()
    own, other = _document(mine, settings, tmp_path), _document(theirs, settings, tmp_path)
    user = UserFactory(is_staff=False)
    PartnerUser.objects.create(user=user, partner=mine, role="partner_member")
    client.force_login(user)
    # when
    response = client.get(f"/documents/{own.pk}/download/")
    refused = client.get(f"/documents/{other.pk}/download/")
    # then
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert refused.status_code == 404


def test_staff_download_any_document_and_visitors_none(client, manager, settings, tmp_path):
    # given
    document = _document(PartnerFactory(), settings, tmp_path)
    # when / then
    assert client.get(f"/documents/{document.pk}/download/").status_code == 302  # to log-in
    client.force_login(manager)
    assert client.get(f"/documents/{document.pk}/download/").status_code == 200


def test_media_files_have_no_public_url(client, settings, tmp_path, db):
    # given
    document = _document(PartnerFactory(), settings, tmp_path)
    # when / then
    assert client.get(f"/media/{document.file.name}").status_code == 404
