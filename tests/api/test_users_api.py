"""/api/v1/users/ and /api/v1/invitations/: administrators manage every login, a partner admin its own
organisation's, everyone else is refused."""

import pytest

from partners.invitation_models import Invitation
from partners.models import AuditEvent, PartnerUser
from partners.services import api_token_create
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db
SECRET = "bravo-only-Xylophone@bravo.example"


def _partner_login(partner, role="partner_admin", **fields):
    user = UserFactory(is_staff=False, **fields)
    PartnerUser.objects.create(user=user, partner=partner, role=role)
    return user


@pytest.fixture
def orgs():
    alpha, bravo = PartnerFactory(name="Alpha"), PartnerFactory(name="Bravo")
    admin = _partner_login(alpha, email="boss@alpha.example", username="boss@alpha.example")
    member = _partner_login(alpha, role="partner_member", email="mo@alpha.example", username="mo@alpha.example")
    stranger = _partner_login(bravo, role="partner_member", email=SECRET, username=SECRET)
    return alpha, bravo, admin, member, stranger


def test_a_partner_admin_lists_only_its_own_organisations_users(api_client, orgs, manager):
    # given
    alpha, _, admin, member, stranger = orgs
    api_client.force_authenticate(admin)
    # when
    response = api_client.get("/api/v1/users/?page_size=200")
    # then
    assert response.status_code == 200
    rows = response.json()["results"]
    assert {row["email"] for row in rows} == {"boss@alpha.example", "mo@alpha.example"}
    assert SECRET not in response.content.decode()
    assert manager.email not in response.content.decode()
    mine = next(row for row in rows if row["id"] == member.pk)
    assert mine == {
        "id": member.pk,
        "email": "mo@alpha.example",
        "name": member.get_full_name(),
        "role": "partner_member",
        "partner": alpha.pk,
        "is_active": True,
    }
    assert api_client.get(f"/api/v1/users/{stranger.pk}/").status_code == 404
    assert api_client.patch(f"/api/v1/users/{stranger.pk}/", {"is_active": False}, format="json").status_code == 404
    stranger.refresh_from_db()
    assert stranger.is_active


def test_an_admin_lists_everyone_with_their_roles(api_client, orgs, admin_user, manager):
    # given
    api_client.force_authenticate(admin_user)
    # when
    rows = api_client.get("/api/v1/users/?page_size=200").json()["results"]
    # then
    roles = {row["email"]: (row["role"], row["partner"]) for row in rows}
    assert roles[SECRET] == ("partner_member", orgs[1].pk)
    assert roles[manager.email] == ("manager", None)
    assert roles[admin_user.email] == ("admin", None)


@pytest.mark.parametrize("who", ["manager", "analyst", "partner_member"])
def test_other_roles_are_refused(api_client, orgs, who):
    # given
    user = orgs[3] if who == "partner_member" else UserFactory(role=who)
    api_client.force_authenticate(user)
    # when
    listing = api_client.get("/api/v1/users/")
    inviting = api_client.post(
        "/api/v1/invitations/",
        {"email": "z@alpha.example", "role": "partner_member", "partner": orgs[0].pk},
        format="json",
    )
    # then
    assert listing.status_code == inviting.status_code == 403
    assert not Invitation.objects.exists()


def test_deactivating_through_the_api_ends_the_users_token(api_client, orgs):
    # given
    _, _, admin, member, _ = orgs
    _, key = api_token_create(user=member)
    assert api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    api_client.force_authenticate(admin)
    # when
    response = api_client.patch(f"/api/v1/users/{member.pk}/", {"is_active": False}, format="json")
    # then
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    api_client.force_authenticate(None)
    assert api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    assert AuditEvent.objects.filter(action="user_deactivated", subject=member, actor=admin).exists()


def test_a_partner_admin_changes_a_colleagues_role_but_not_to_staff(api_client, orgs):
    # given
    _, _, admin, member, _ = orgs
    api_client.force_authenticate(admin)
    # when
    promoted = api_client.patch(f"/api/v1/users/{member.pk}/", {"role": "partner_admin"}, format="json")
    to_staff = api_client.patch(f"/api/v1/users/{member.pk}/", {"role": "admin"}, format="json")
    # then
    assert promoted.status_code == 200
    assert promoted.json()["role"] == "partner_admin"
    assert to_staff.status_code == 400
    member.refresh_from_db()
    assert not member.is_staff and not member.is_superuser
    event = AuditEvent.objects.get(action="role_changed")
    assert (event.subject, event.data) == (member, {"before": "partner_member", "after": "partner_admin"})


def test_an_admin_changes_a_staff_role(api_client, admin_user, manager):
    # given
    api_client.force_authenticate(admin_user)
    # when
    response = api_client.patch(f"/api/v1/users/{manager.pk}/", {"role": "analyst"}, format="json")
    # then
    assert response.status_code == 200
    assert response.json()["role"] == "analyst"


def test_inviting_through_the_api_sends_the_mail(api_client, orgs, mailoutbox, django_capture_on_commit_callbacks):
    # given
    alpha, _, admin, _, _ = orgs
    api_client.force_authenticate(admin)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            "/api/v1/invitations/",
            {"email": "new@alpha.example", "role": "partner_member", "partner": alpha.pk},
            format="json",
        )
    # then
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "email", "role", "partner", "expires_at"}
    assert (body["email"], body["role"], body["partner"]) == ("new@alpha.example", "partner_member", alpha.pk)
    assert [m.to for m in mailoutbox] == [["new@alpha.example"]]


def test_posting_a_user_sends_an_invitation(api_client, admin_user, mailoutbox, django_capture_on_commit_callbacks):
    # given
    api_client.force_authenticate(admin_user)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post("/api/v1/users/", {"email": "ana@vendor.example", "role": "analyst"}, format="json")
    # then
    assert response.status_code == 201
    assert response.json()["role"] == "analyst"
    assert response.json()["partner"] is None
    assert len(mailoutbox) == 1


def test_a_partner_admin_cannot_invite_to_another_partner_or_staff(
    api_client, orgs, mailoutbox, django_capture_on_commit_callbacks
):
    # given
    _, bravo, admin, _, _ = orgs
    api_client.force_authenticate(admin)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        other = api_client.post(
            "/api/v1/invitations/",
            {"email": "x@bravo.example", "role": "partner_member", "partner": bravo.pk},
            format="json",
        )
        staff = api_client.post("/api/v1/invitations/", {"email": "x@vendor.example", "role": "admin"}, format="json")
    # then
    assert other.status_code == 400
    assert other.json() == {"partner": ["Unknown partner."]}
    assert staff.status_code == 403
    assert mailoutbox == []
    assert not Invitation.objects.exists()


def test_the_user_list_query_count_is_flat(api_client, admin_user, django_assert_max_num_queries):
    # given
    partner = PartnerFactory()
    for _ in range(20):
        _partner_login(partner, role="partner_member")
    UserFactory.create_batch(5, role="manager")
    api_client.force_authenticate(admin_user)
    # when: role check, count, page, groups prefetched
    with django_assert_max_num_queries(5):
        response = api_client.get("/api/v1/users/?page_size=50")
    # then
    assert response.status_code == 200
    assert len(response.json()["results"]) == 26
