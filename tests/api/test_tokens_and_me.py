from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone

from partners.models import ApiToken, AuditEvent, PartnerUser
from partners.services import api_token_create, api_token_revoke
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory


def test_me_without_credentials_is_401_with_the_error_shape(api_client, db):
    # when
    response = api_client.get("/api/v1/me/")
    # then
    assert response.status_code == 401
    assert response.json() == {"code": "not_authenticated", "detail": "Authentication credentials were not provided."}
    assert response["WWW-Authenticate"] == "Token"


def test_me_with_a_token_says_who_the_caller_is(api_client, manager):
    # given
    _, key = api_token_create(user=manager, name="crm")
    # when
    response = api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == manager.id
    assert body["email"] == manager.email
    assert body["role"] == "manager"
    assert body["partner"] is None
    assert body["auth"] == "token"


def test_bearer_prefix_is_accepted_too(api_client, manager):
    # given
    _, key = api_token_create(user=manager)
    # when
    response = api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {key}")
    # then
    assert response.status_code == 200
    assert response.json()["email"] == manager.email


def test_a_revoked_token_is_refused(api_client, manager):
    # given
    token, key = api_token_create(user=manager)
    assert api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    # when
    api_client.delete(f"/api/v1/tokens/{token.token_key}/", HTTP_AUTHORIZATION=f"Token {key}")
    # then
    response = api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert not ApiToken.objects.filter(user=manager).exists()


def test_an_expired_token_is_refused(api_client, manager, time_machine):
    # given
    _, key = api_token_create(user=manager, expires_days=1)
    # when
    time_machine.move_to(timezone.now() + timedelta(days=2))
    response = api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    # then
    assert response.status_code == 401


def test_a_deactivated_users_token_is_refused(api_client, manager):
    # given
    _, key = api_token_create(user=manager)
    manager.is_active = False
    manager.save()
    # when
    response = api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    # then
    assert response.status_code == 401


def test_a_garbage_token_is_refused(api_client, db):
    # when
    response = api_client.get("/api/v1/me/", HTTP_AUTHORIZATION="Token not-a-real-token")
    # then
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_session_login_works_for_the_browser(client, manager):
    # given
    client.force_login(manager)
    # when
    response = client.get("/api/v1/me/")
    # then
    assert response.status_code == 200
    assert response.json()["auth"] == "session"


def test_session_writes_need_the_csrf_token(manager):
    # given
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(manager)
    # when
    response = browser.post("/api/v1/tokens/", {"name": "x"}, content_type="application/json")
    # then
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not ApiToken.objects.exists()


def test_api_token_command_prints_the_key_alone_on_its_last_line(api_client, manager, capsys):
    # when
    call_command("api_token", manager.username, "--name", "warehouse", "--expires-days", "30")
    # then
    key = capsys.readouterr().out.strip().splitlines()[-1]
    assert " " not in key
    token = ApiToken.objects.get(user=manager)
    assert token.name == "warehouse"
    assert timedelta(days=29) < token.expiry - timezone.now() <= timedelta(days=30)
    assert api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").json()["id"] == manager.id


def test_api_token_command_refuses_an_unknown_user(db, capsys):
    # when / then
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No user"):
        call_command("api_token", "nobody@example.com")
    assert not ApiToken.objects.exists()


def test_tokens_are_stored_hashed(manager):
    # when
    token, key = api_token_create(user=manager)
    # then
    assert key not in token.digest
    assert len(token.digest) == 128


def test_token_list_shows_only_the_callers_tokens(api_client, manager):
    # given
    other = UserFactory()
    api_token_create(user=other, name="other's")
    api_token_create(user=manager, name="mine")
    api_client.force_authenticate(manager)
    # when
    response = api_client.get("/api/v1/tokens/")
    # then
    assert response.status_code == 200
    assert [row["name"] for row in response.json()["results"]] == ["mine"]
    assert response.json()["count"] == 1


def test_another_users_token_cannot_be_revoked_404(api_client, manager):
    # given
    other_token, _ = api_token_create(user=UserFactory(), name="other's")
    api_client.force_authenticate(manager)
    # when
    response = api_client.delete(f"/api/v1/tokens/{other_token.token_key}/")
    # then
    assert response.status_code == 404
    assert ApiToken.objects.filter(pk=other_token.pk).exists()


def test_creating_a_token_returns_the_key_once(api_client, manager):
    # given
    api_client.force_authenticate(manager)
    # when
    response = api_client.post("/api/v1/tokens/", {"name": "bi", "expires_days": 7}, format="json")
    # then
    assert response.status_code == 201
    key = response.json()["key"]
    listed = api_client.get("/api/v1/tokens/").json()["results"]
    assert "key" not in listed[0]
    api_client.force_authenticate(None)
    assert api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200


# --- tokens of staff logins and service accounts -------------------------------------------------


def _partner_login(partner, role="partner_admin"):
    user = UserFactory(is_staff=False)
    PartnerUser.objects.create(user=user, partner=partner, role=role)
    return user


@pytest.fixture
def people(db):
    admin = UserFactory(role="admin")
    manager = UserFactory(role="manager")
    service = UserFactory(role="analyst", email="crm-sync@vendor.example", username="crm-sync@vendor.example")
    partner = PartnerFactory()
    partner_admin = _partner_login(partner)
    colleague = _partner_login(partner, role="partner_member")
    return {
        "admin": admin,
        "manager": manager,
        "service": service,
        "partner_admin": partner_admin,
        "colleague": colleague,
    }


def test_an_admin_lists_the_tokens_of_every_staff_login_with_their_owner(api_client, people):
    # given
    for who in ("admin", "manager", "service", "partner_admin"):
        api_token_create(user=people[who], name=f"{who}'s")
    api_client.force_authenticate(people["admin"])
    # when
    response = api_client.get("/api/v1/tokens/")
    # then
    assert response.status_code == 200
    rows = response.json()["results"]
    assert {(row["name"], row["user"]) for row in rows} == {
        ("admin's", people["admin"].pk),
        ("manager's", people["manager"].pk),
        ("service's", people["service"].pk),
    }
    assert set(rows[0]) == {"prefix", "name", "user", "user_email", "created", "expiry"}
    service_row = next(row for row in rows if row["name"] == "service's")
    assert service_row["user_email"] == "crm-sync@vendor.example"


def test_an_admin_issues_a_token_for_a_service_account_that_acts_as_it(api_client, people):
    # given
    api_client.force_authenticate(people["admin"])
    # when
    response = api_client.post(
        "/api/v1/tokens/", {"name": "CRM sync", "expires_days": 30, "user": people["service"].pk}, format="json"
    )
    # then
    assert response.status_code == 201
    body = response.json()
    assert (body["user"], body["name"]) == (people["service"].pk, "CRM sync")
    token = ApiToken.objects.get(token_key=body["prefix"])
    assert token.user == people["service"]
    api_client.force_authenticate(None)
    me = api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {body['key']}").json()
    assert (me["id"], me["role"]) == (people["service"].pk, "analyst")
    event = AuditEvent.objects.get(action="api_token_created")
    assert (event.actor, event.subject, event.data["prefix"], event.data["name"]) == (
        people["admin"],
        people["service"],
        token.token_key,
        "CRM sync",
    )


def test_a_service_account_created_through_the_api_gets_a_token_without_ever_logging_in(api_client, people):
    # given
    api_client.force_authenticate(people["admin"])
    user_id = api_client.post(
        "/api/v1/users/", {"email": "bi@vendor.example", "name": "BI export", "role": "analyst"}, format="json"
    ).json()["id"]
    # when
    response = api_client.post("/api/v1/tokens/", {"name": "BI", "user": user_id}, format="json")
    # then
    assert response.status_code == 201
    api_client.force_authenticate(None)
    me = api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {response.json()['key']}")
    assert me.json()["email"] == "bi@vendor.example"


def test_a_token_without_a_lifetime_expires_after_the_default_days(api_client, people):
    # given
    api_client.force_authenticate(people["manager"])
    # when
    response = api_client.post("/api/v1/tokens/", {"name": "default"}, format="json")
    # then
    assert response.status_code == 201
    token = ApiToken.objects.get(token_key=response.json()["prefix"])
    assert timedelta(days=89) < token.expiry - timezone.now() <= timedelta(days=90)


@pytest.mark.parametrize("owner", ["partner_admin", "colleague"])
def test_an_admin_issues_no_token_for_a_partner_login(api_client, people, owner):
    # given
    api_client.force_authenticate(people["admin"])
    # when
    response = api_client.post("/api/v1/tokens/", {"name": "x", "user": people[owner].pk}, format="json")
    # then
    assert response.status_code == 400
    assert response.json() == {"user": ["Choose yourself or, as an administrator, a staff login."]}
    assert not ApiToken.objects.exists()


def test_an_admin_issues_no_token_for_a_deactivated_login(api_client, people):
    # given
    people["service"].is_active = False
    people["service"].save()
    api_client.force_authenticate(people["admin"])
    # when
    response = api_client.post("/api/v1/tokens/", {"name": "x", "user": people["service"].pk}, format="json")
    # then
    assert response.status_code == 400
    assert set(response.json()) == {"user"}
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    ("who", "other"), [("manager", "service"), ("manager", "admin"), ("partner_admin", "colleague")]
)
def test_nobody_else_issues_a_token_for_another_login(api_client, people, who, other):
    # given
    api_client.force_authenticate(people[who])
    # when
    refused = api_client.post("/api/v1/tokens/", {"name": "x", "user": people[other].pk}, format="json")
    own = api_client.post("/api/v1/tokens/", {"name": "mine", "user": people[who].pk}, format="json")
    # then
    assert refused.status_code == 400
    assert set(refused.json()) == {"user"}
    assert own.status_code == 201
    assert list(ApiToken.objects.values_list("user_id", flat=True)) == [people[who].pk]


def test_a_partner_admin_lists_and_revokes_only_its_own_tokens(api_client, people):
    # given
    mine, _ = api_token_create(user=people["partner_admin"], name="mine")
    colleagues, _ = api_token_create(user=people["colleague"], name="colleague's")
    api_client.force_authenticate(people["partner_admin"])
    # when
    listed = api_client.get("/api/v1/tokens/").json()["results"]
    foreign = api_client.delete(f"/api/v1/tokens/{colleagues.token_key}/")
    own = api_client.delete(f"/api/v1/tokens/{mine.token_key}/")
    # then
    assert [row["name"] for row in listed] == ["mine"]
    assert foreign.status_code == 404
    assert own.status_code == 204
    assert list(ApiToken.objects.values_list("pk", flat=True)) == [colleagues.pk]


def test_an_admin_revokes_a_staff_token_but_not_a_partner_logins(api_client, people):
    # given
    staff_token, key = api_token_create(user=people["service"], name="crm")
    partner_token, _ = api_token_create(user=people["partner_admin"], name="theirs")
    api_client.force_authenticate(people["admin"])
    # when
    revoked = api_client.delete(f"/api/v1/tokens/{staff_token.token_key}/")
    refused = api_client.delete(f"/api/v1/tokens/{partner_token.token_key}/")
    # then
    assert revoked.status_code == 204
    assert refused.status_code == 404
    assert list(ApiToken.objects.values_list("pk", flat=True)) == [partner_token.pk]
    api_client.force_authenticate(None)
    assert api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    event = AuditEvent.objects.get(action="api_token_revoked")
    assert (event.actor, event.subject, event.data["prefix"]) == (
        people["admin"],
        people["service"],
        staff_token.token_key,
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"expires_days": 0}, "expires_days"),
        ({"expires_days": "soon"}, "expires_days"),
        ({"user": "me"}, "user"),
        ({"user": 0}, "user"),
        ({"name": "x" * 101}, "name"),
    ],
)
def test_bad_token_input_is_a_400_on_the_field(api_client, people, body, field):
    # given
    api_client.force_authenticate(people["admin"])
    # when
    response = api_client.post("/api/v1/tokens/", body, format="json")
    # then
    assert response.status_code == 400
    assert set(response.json()) == {field}
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("rows", [1, 20])
def test_the_token_list_query_count_is_flat(api_client, people, rows, django_assert_max_num_queries):
    # given
    for index in range(rows):
        api_token_create(user=UserFactory(role="analyst"), name=f"t{index}")
    api_client.force_authenticate(people["admin"])
    # when: count, page with owners joined
    with django_assert_max_num_queries(2):
        response = api_client.get("/api/v1/tokens/?page_size=50")
    # then
    assert len(response.json()["results"]) == rows


def test_token_services_refuse_actors_without_authority(people):
    # given
    token, _ = api_token_create(user=people["service"])
    # when / then
    with pytest.raises(PermissionDenied):
        api_token_create(user=people["service"], actor=people["manager"])
    with pytest.raises(PermissionDenied):
        api_token_create(user=people["colleague"], actor=people["admin"])
    with pytest.raises(PermissionDenied):
        api_token_revoke(token=token, actor=people["manager"])
    assert ApiToken.objects.count() == 1
