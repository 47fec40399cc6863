"""Staff must set up a second factor before using the pages (settings.MFA_REQUIRED_FOR_STAFF)."""

import pytest
from allauth.mfa.models import Authenticator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partners.models import PartnerUser
from partners.services import api_token_create
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory

ACTIVATE = "/accounts/2fa/totp/activate/"


@pytest.fixture
def mfa_required(settings):
    settings.MFA_REQUIRED_FOR_STAFF = True


def _give_totp(user) -> None:
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "not-used-here"})


@pytest.mark.parametrize("role", ["manager", "analyst", "admin"])
@pytest.mark.parametrize("path", ["/", "/partners/", "/admin/"])
def test_staff_without_an_authenticator_are_sent_to_set_one_up(client, db, mfa_required, role, path):
    # given
    client.force_login(UserFactory(role=role))
    # when
    response = client.get(path)
    # then
    assert response.status_code == 302
    assert response["Location"] == ACTIVATE


def test_the_redirect_says_why(client, mfa_required, manager):
    # given
    client.force_login(manager)
    # when
    page = client.get("/", follow=True)
    # then: on to the activation page (which first asks for the password again), with the message
    assert page.redirect_chain[0] == (ACTIVATE, 302)
    assert page.redirect_chain[1][0].startswith("/accounts/reauthenticate/")
    assert page.status_code == 200
    assert "second factor" in page.content.decode()


def test_an_htmx_request_is_redirected_by_htmx(client, mfa_required, manager):
    # given
    client.force_login(manager)
    # when
    response = client.get("/partners/", headers={"HX-Request": "true"})
    # then
    assert response["HX-Redirect"] == ACTIVATE


def test_account_pages_log_out_static_and_health_stay_reachable(client, mfa_required, manager):
    # given
    client.force_login(manager)
    # when / then
    assert client.get("/accounts/2fa/").status_code == 200
    assert client.get("/healthz/").status_code == 200
    assert client.get("/static/css/app.css").status_code == 200
    assert client.post("/accounts/logout/")["Location"] == "/accounts/login/"


def test_the_api_is_reached_with_a_token_but_no_token_is_issued_to_a_session_without_mfa(
    api_client, client, mfa_required, manager
):
    # given
    _, key = api_token_create(user=manager)
    client.force_login(manager)
    # when
    by_token = api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    by_session = client.post("/api/v1/tokens/", {}, content_type="application/json")
    # then
    assert by_token.status_code == 200
    assert by_session.status_code == 403
    assert by_session.json()["code"] == "mfa_required"


def test_staff_with_an_authenticator_are_let_through_and_checked_once_per_session(client, mfa_required, manager):
    # given
    _give_totp(manager)
    client.force_login(manager)
    assert client.get("/").status_code == 200
    # when
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    # then
    assert response.status_code == 200
    assert not [query for query in queries.captured_queries if "mfa_authenticator" in query["sql"]]


def test_recovery_codes_alone_are_no_second_factor(client, mfa_required, manager):
    # given
    Authenticator.objects.create(user=manager, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "x"})
    client.force_login(manager)
    # when
    response = client.get("/")
    # then
    assert response["Location"] == ACTIVATE


def test_partner_logins_are_not_concerned(client, db, mfa_required):
    # given
    user = UserFactory(is_staff=False)
    PartnerUser.objects.create(user=user, partner=PartnerFactory(), role="partner_admin")
    client.force_login(user)
    # when
    response = client.get("/partner/")
    # then
    assert response.status_code == 200


def test_nothing_is_required_when_the_setting_is_off(client, settings, manager):
    # given
    settings.MFA_REQUIRED_FOR_STAFF = False
    client.force_login(manager)
    # when
    response = client.get("/")
    # then
    assert response.status_code == 200
