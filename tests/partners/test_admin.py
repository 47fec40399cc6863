from django.contrib.admin.models import DELETION, LogEntry
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
    # given: DACH is used by a partner; NORDICS, below the same region, by none
    partner = partner_create(actor=manager, name="Helix", type="channel", country="DE", regions=["DACH"])
    assert Region.objects.filter(code="NORDICS", parent="EMEA", children=None).exists()
    client.force_login(admin_user)
    # when: each is deleted through the admin's confirmation page
    in_use = client.post("/admin/partners/region/DACH/delete/", {"post": "yes"}, follow=True)
    unused = client.post("/admin/partners/region/NORDICS/delete/", {"post": "yes"}, follow=True)
    # then: the one in use stays, and the admin says why; the unused one is gone
    assert in_use.status_code == 200
    assert "Germany, Austria and Switzerland (DACH) is used by partners; change them first." in in_use.content.decode()
    assert Region.objects.filter(code="DACH").exists()
    assert Partner.objects.get(pk=partner.pk).regions == ["DACH"]
    assert unused.redirect_chain == [("/admin/partners/region/", 302)]
    assert not Region.objects.filter(code="NORDICS").exists()


def test_the_admin_neither_reports_nor_logs_the_deletion_of_a_region_in_use(client, admin_user, manager):
    # given
    partner_create(actor=manager, name="Helix", type="channel", country="DE", regions=["DACH"])
    client.force_login(admin_user)
    # when
    response = client.post("/admin/partners/region/DACH/delete/", {"post": "yes"}, follow=True)
    # then
    assert Region.objects.filter(code="DACH").exists()
    assert "deleted successfully" not in response.content.decode()
    assert not LogEntry.objects.filter(object_id="DACH", action_flag=DELETION).exists()


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


def test_the_bulk_delete_action_refuses_a_batch_holding_a_region_in_use(client, admin_user, manager):
    # given
    partner_create(actor=manager, name="Helix", type="channel", country="DE", regions=["DACH"])
    client.force_login(admin_user)
    # when
    response = client.post(
        "/admin/partners/region/",
        {"action": "delete_selected", "_selected_action": ["DACH", "NORDICS"], "post": "yes"},
    )
    # then: the whole batch is refused, with the reason, and nothing is logged as deleted
    assert response.status_code == 200
    assert "is used by partners; change them first." in response.content.decode()
    assert Region.objects.filter(code__in=["DACH", "NORDICS"]).count() == 2
    assert not LogEntry.objects.filter(action_flag=DELETION).exists()
