"""The administrator's API tokens page (/settings/tokens/): every staff login's tokens, issuing one
(the key shown once) and revoking one after a confirmation; nobody else gets in."""

import re

import pytest

from partners.models import ApiToken, AuditEvent, PartnerUser
from partners.services import api_token_create
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db
PAGE = "/settings/tokens/"


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def service(db):
    return UserFactory(
        role="analyst", first_name="CRM", last_name="Sync", email="crm@vendor.example", username="crm@vendor.example"
    )


def _key(html: str) -> str | None:
    match = re.search(r'id="new-token-key"[^>]*value="([^"]+)"', html)
    return match.group(1) if match else None


def test_the_empty_page_says_there_are_no_tokens_and_offers_the_form(admin_client, service):
    # when
    response = admin_client.get(PAGE)
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "No API tokens yet" in html
    assert "Issue a token" in html
    assert "CRM Sync (crm@vendor.example)" in html  # a staff login to choose
    assert _key(html) is None


def test_issuing_a_token_shows_its_key_once(admin_client, api_client, admin_user, service):
    # when
    response = admin_client.post(PAGE, {"user": service.pk, "name": "CRM sync", "expires_days": 30})
    again = admin_client.get(PAGE)
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    key = _key(html)
    assert key
    assert "Copy the key now" in html
    token = ApiToken.objects.get()
    assert (token.user, token.name) == (service, "CRM sync")
    assert key not in again.content.decode()
    assert token.token_key in again.content.decode()
    assert "CRM sync" in again.content.decode()
    assert api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").json()["id"] == service.pk
    assert AuditEvent.objects.filter(action="api_token_created", actor=admin_user, subject=service).exists()


def test_form_errors_appear_next_to_their_fields_and_nothing_is_issued(admin_client, service):
    # when
    response = admin_client.post(PAGE, {"user": "", "name": "", "expires_days": "0"})
    # then
    html = response.content.decode()
    assert response.status_code == 400
    for field in ("user", "name", "expires_days"):
        assert f'id="id_{field}_error"' in html
        assert re.search(rf'id="id_{field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="id_{field}"', html)
    assert "Please correct the fields marked below." in html
    assert not ApiToken.objects.exists()


def test_a_partner_login_cannot_be_chosen(admin_client):
    # given
    partner_user = UserFactory(is_staff=False)
    PartnerUser.objects.create(user=partner_user, partner=PartnerFactory(), role="partner_admin")
    # when
    response = admin_client.post(PAGE, {"user": partner_user.pk, "name": "x", "expires_days": 30})
    # then
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_deactivated_login_is_refused_with_a_reason(admin_client, service):
    # given
    service.is_active = False
    service.save()
    # when
    response = admin_client.post(PAGE, {"user": service.pk, "name": "x", "expires_days": 30})
    # then
    assert response.status_code == 400
    assert "This login is deactivated" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_list_shows_staff_tokens_with_owner_name_prefix_and_dates_but_no_partner_tokens(admin_client, service):
    # given
    token, _ = api_token_create(user=service, name="CRM sync", expires_days=30)
    partner_user = UserFactory(is_staff=False, first_name="Zed")
    PartnerUser.objects.create(user=partner_user, partner=PartnerFactory(), role="partner_admin")
    api_token_create(user=partner_user, name="partner-own")
    # when
    html = admin_client.get(PAGE).content.decode()
    # then
    assert "CRM Sync" in html and "crm@vendor.example" in html
    assert f"{token.token_key}…" in html
    assert token.expiry.strftime("%-d %b %Y") in html
    assert "partner-own" not in html
    assert f"/settings/tokens/{token.token_key}/revoke/" in html


def test_revoking_asks_first_then_the_key_stops_working(admin_client, api_client, service):
    # given
    token, key = api_token_create(user=service, name="CRM sync")
    path = f"/settings/tokens/{token.token_key}/revoke/"
    # when
    confirm = admin_client.get(path)
    still = ApiToken.objects.filter(pk=token.pk).exists()
    revoked = admin_client.post(path)
    # then
    assert confirm.status_code == 200
    assert "Revoke the token “CRM sync”?" in confirm.content.decode()
    assert still
    assert revoked.status_code == 302
    assert revoked["Location"] == PAGE
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    assert "was revoked" in admin_client.get(PAGE).content.decode()


def test_an_unknown_or_partner_token_is_not_found(admin_client):
    # given
    partner_user = UserFactory(is_staff=False)
    PartnerUser.objects.create(user=partner_user, partner=PartnerFactory(), role="partner_admin")
    token, _ = api_token_create(user=partner_user)
    # when
    responses = [
        admin_client.get("/settings/tokens/nope/revoke/"),
        admin_client.post(f"/settings/tokens/{token.token_key}/revoke/"),
    ]
    # then
    assert [r.status_code for r in responses] == [404, 404]
    assert ApiToken.objects.filter(pk=token.pk).exists()


@pytest.mark.parametrize("role", ["manager", "analyst"])
def test_other_staff_get_403_and_change_nothing(client, service, role):
    # given
    token, _ = api_token_create(user=service)
    client.force_login(UserFactory(role=role))
    # when
    responses = [
        client.get(PAGE),
        client.post(PAGE, {"user": service.pk, "name": "x", "expires_days": 30}),
        client.get(f"/settings/tokens/{token.token_key}/revoke/"),
        client.post(f"/settings/tokens/{token.token_key}/revoke/"),
    ]
    # then
    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    assert list(ApiToken.objects.values_list("pk", flat=True)) == [token.pk]


def test_partner_logins_and_visitors_are_sent_away(client, service):
    # given
    token, _ = api_token_create(user=service)
    partner_user = UserFactory(is_staff=False)
    PartnerUser.objects.create(user=partner_user, partner=PartnerFactory(), role="partner_admin")
    # when
    anonymous = client.get(PAGE)
    client.force_login(partner_user)
    partner_read = client.get(PAGE)
    partner_write = client.post(f"/settings/tokens/{token.token_key}/revoke/")
    # then
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert partner_read.status_code == 302 and partner_read["Location"] == "/partner/"
    assert partner_write.status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_the_user_menu_links_the_page_for_admins_only(client, admin_user, manager):
    # when
    client.force_login(admin_user)
    admin_page = client.get("/").content.decode()
    client.force_login(manager)
    manager_page = client.get("/").content.decode()
    # then
    assert f'href="{PAGE}"' in admin_page
    assert f'href="{PAGE}"' not in manager_page


@pytest.mark.parametrize("rows", [1, 20])
def test_the_page_query_count_is_flat(admin_client, rows, django_assert_max_num_queries):
    # given
    for index in range(rows):
        api_token_create(user=UserFactory(role="analyst"), name=f"t{index}")
    # when: session, user, tokens with owners, owner choices (+ savepoints of the test client)
    with django_assert_max_num_queries(8):
        response = admin_client.get(PAGE)
    # then
    assert response.status_code == 200
    assert response.content.decode().count("/revoke/") == rows
