from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from partners.models import ApiToken
from partners.services import api_token_create
from tests.factories import UserFactory


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
    import pytest
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
