from django.core.files.uploadedfile import SimpleUploadedFile

from partners.models import Partner, Region
from partners.records import services
from partners.services import partner_create


def test_admin_pages_answer_and_partners_are_read_only(client, admin_user, manager):
    # given
    partner = partner_create(actor=manager, name="Helix", type="channel", country="DE", regions=["DACH"])
    client.force_login(admin_user)
    # when / then
    for url in ("/admin/partners/partner/", f"/admin/partners/partner/{partner.pk}/change/", "/admin/partners/region/"):
        assert client.get(url).status_code == 200, url
    assert client.get("/admin/partners/partner/add/").status_code == 403
    client.post(f"/admin/partners/partner/{partner.pk}/change/", {"name": "Changed"})
    assert Partner.objects.get(pk=partner.pk).name == "Helix"


def test_a_region_in_use_is_not_deleted_from_the_admin(client, admin_user, manager):
    # given
    partner_create(actor=manager, name="Helix", type="channel", country="DE", regions=["DACH"])
    client.force_login(admin_user)
    # when
    client.post("/admin/partners/region/DACH/delete/", {"post": "yes"})
    # then
    assert Region.objects.filter(code="DACH").exists()


def test_the_document_admin_shows_which_upload_replaced_a_document(client, admin_user, manager, settings, tmp_path):
    # given
    settings.MEDIA_ROOT = tmp_path
    partner = partner_create(actor=manager, name="Helix", type="channel", country="DE", regions=["DACH"])
    pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"
    old = services.document_add(
        partner_id=partner.pk, actor=manager, kind="nda", title="NDA 2025", file=SimpleUploadedFile("a.pdf", pdf)
    )
    services.document_replace(
        document_id=old.pk, actor=manager, title="NDA 2026", file=SimpleUploadedFile("b.pdf", pdf)
    )
    client.force_login(admin_user)
    # when
    listed = client.get("/admin/partners/partnerdocument/").content.decode()
    changed = client.get(f"/admin/partners/partnerdocument/{old.pk}/change/").content.decode()
    # then
    assert "Replaced by" in listed
    assert "NDA 2026" in changed
