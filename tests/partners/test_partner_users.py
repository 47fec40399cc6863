from partners.models import Partner, PartnerUser
from partners.roles import role_of
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory


def _partner_login(partner, role="partner_member"):
    user = UserFactory(is_staff=False)
    PartnerUser.objects.create(user=user, partner=partner, role=role)
    return user


def test_a_partner_login_sees_its_own_organisation_only(db):
    # given
    mine, other = PartnerFactory(), PartnerFactory()
    user = _partner_login(mine)
    # when / then
    assert list(Partner.objects.visible_to(user)) == [mine]
    assert other not in Partner.objects.visible_to(user)


def test_a_terminated_organisations_logins_see_nothing(db):
    # given
    user = _partner_login(PartnerFactory(status="terminated"))
    # when / then
    assert not Partner.objects.visible_to(user).exists()


def test_logins_without_an_organisation_or_inactive_see_nothing(db):
    # given
    stranger = UserFactory(is_staff=False)
    inactive = _partner_login(PartnerFactory())
    inactive.is_active = False
    # when / then
    assert not Partner.objects.visible_to(stranger).exists()
    assert not Partner.objects.visible_to(inactive).exists()


def test_me_tells_a_partner_user_its_organisation_and_role(api_client, db):
    # given
    partner = PartnerFactory()
    user = _partner_login(partner, role="partner_admin")
    api_client.force_authenticate(user)
    # when
    body = api_client.get("/api/v1/me/").json()
    # then
    assert (body["partner"], body["role"], body["is_staff"]) == (partner.pk, "partner_admin", False)
    assert role_of(user) == "partner_admin"


def test_the_partner_navbar_links_users_for_partner_admins(client, db):
    # given
    user = _partner_login(PartnerFactory(), role="partner_admin")
    client.force_login(user)
    # when
    html = client.get("/partner/").content.decode()
    users_page = client.get("/partner/users/").content.decode()
    # then
    assert 'href="/partner/users/">Users</a>' in html
    assert 'aria-current="page" href="/partner/users/">Users</a>' in users_page


def test_the_partner_navbar_hides_users_from_partner_members(client, db):
    # given
    user = _partner_login(PartnerFactory(), role="partner_member")
    client.force_login(user)
    # when
    html = client.get("/partner/").content.decode()
    # then
    assert client.get("/partner/contacts/").status_code == 200
    assert "/partner/users/" not in html
    assert ">Users</a>" not in html
