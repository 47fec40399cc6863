from partners.models import Partner, Region
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
