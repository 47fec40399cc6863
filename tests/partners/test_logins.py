from partners.models import ApiToken, AuditEvent, PartnerUser
from partners.services import api_token_create
from partners.users import user_deactivate
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.partners.factories import PartnerFactory


def _login(client, email, password=DEFAULT_PASSWORD):
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_log_ins_and_failed_log_ins_are_audited(client, manager):
    # when
    _login(client, manager.email, "wrong-password")
    _login(client, manager.email)
    # then
    actions = list(AuditEvent.objects.order_by("created_at", "id").values_list("action", "identifier"))
    assert actions == [("login_failed", manager.email), ("login", manager.email)]


def test_deactivating_a_user_ends_its_session_and_tokens_at_once(client, api_client, manager, admin_user):
    # given
    _, key = api_token_create(user=manager)
    client.force_login(manager)
    assert client.get("/").status_code == 200
    # when
    user_deactivate(user_id=manager.pk, actor=admin_user)
    # then
    assert client.get("/").status_code == 302
    assert api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    assert not ApiToken.objects.filter(user=manager).exists()
    assert AuditEvent.objects.filter(action="user_deactivated", subject=manager, actor=admin_user).exists()


def test_users_of_a_terminated_partner_cannot_log_in_and_their_sessions_end(client, db):
    # given
    partner = PartnerFactory(status="active")
    user = UserFactory(is_staff=False)
    PartnerUser.objects.create(user=user, partner=partner, role="partner_admin")
    client.force_login(user)
    assert "_auth_user_id" in client.session
    # when
    partner.status = "terminated"
    partner.save()
    # then
    assert client.get("/api/v1/me/").status_code == 401  # the session no longer authenticates
    client.logout()
    _login(client, user.email)
    assert "_auth_user_id" not in client.session
