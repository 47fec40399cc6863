import time
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import connection

from partners.models import ApiToken
from partners.services import api_token_create
from prm.throttling import UserThrottle, counter_key, counters


@pytest.fixture
def many_tokens(manager):
    def make(count: int) -> None:
        for index in range(count):
            api_token_create(user=manager, name=f"token {index}")

    return make


def test_page_size_is_capped_at_200(api_client, manager, many_tokens):
    # given
    many_tokens(205)
    api_client.force_authenticate(manager)
    # when
    response = api_client.get("/api/v1/tokens/?page_size=1000")
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 205
    assert len(body["results"]) == 200
    assert "page=2" in body["next"]
    assert body["previous"] is None


def test_page_size_chooses_the_page_length(api_client, manager, many_tokens):
    # given
    many_tokens(3)
    api_client.force_authenticate(manager)
    # when
    response = api_client.get("/api/v1/tokens/?page_size=2&page=2")
    # then
    assert len(response.json()["results"]) == 1


@pytest.mark.parametrize("size", ["abc", "0", "-5", ""])
def test_a_malformed_page_size_is_a_400(api_client, manager, size):
    # given
    api_client.force_authenticate(manager)
    # when
    response = api_client.get(f"/api/v1/tokens/?page_size={size}")
    # then
    assert response.status_code == 400
    assert list(response.json()) == ["page_size"]


def test_a_page_past_the_end_is_a_404_in_the_error_shape(api_client, manager):
    # given
    api_client.force_authenticate(manager)
    # when
    response = api_client.get("/api/v1/tokens/?page=99")
    # then
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("rows", [1, 20])
def test_list_query_count_is_flat(api_client, manager, many_tokens, django_assert_max_num_queries, rows):
    # given
    many_tokens(rows)
    api_client.force_authenticate(manager)
    # when: count + page
    with django_assert_max_num_queries(2):
        response = api_client.get("/api/v1/tokens/?page_size=50")
    # then
    assert len(response.json()["results"]) == rows


def test_malformed_json_is_a_400_and_writes_nothing(api_client, manager):
    # given
    api_client.force_authenticate(manager)
    # when
    response = api_client.post("/api/v1/tokens/", data='{"name": ', content_type="application/json")
    # then
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert "JSON parse error" in response.json()["detail"]
    assert not ApiToken.objects.exists()


def test_a_wrong_content_type_is_a_415(api_client, manager):
    # given
    api_client.force_authenticate(manager)
    # when
    response = api_client.post("/api/v1/tokens/", data="name=x", content_type="application/x-www-form-urlencoded")
    # then
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert not ApiToken.objects.exists()


def test_validation_errors_name_the_field(api_client, manager):
    # given
    api_client.force_authenticate(manager)
    # when
    response = api_client.post("/api/v1/tokens/", {"name": "x" * 101, "expires_days": 0}, format="json")
    # then
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"name", "expires_days"}
    assert all(isinstance(messages, list) and messages for messages in body.values())
    assert not ApiToken.objects.exists()


def test_a_non_object_body_is_a_400(api_client, manager):
    # given
    api_client.force_authenticate(manager)
    # when
    response = api_client.post("/api/v1/tokens/", data="[1, 2]", content_type="application/json")
    # then
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_an_unknown_api_url_is_a_json_404(api_client, manager):
    # given
    api_client.force_authenticate(manager)
    # when
    response = api_client.get("/api/v1/no-such-thing/")
    # then
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found."}


def test_a_wrong_method_is_a_405_in_the_error_shape(api_client, manager):
    # given
    api_client.force_authenticate(manager)
    # when
    response = api_client.put("/api/v1/me/", {}, format="json")
    # then
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_throttled_requests_get_429_with_retry_after(api_client, manager, settings):
    # given
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "2/min", "user": "3/min"}}
    api_client.force_authenticate(manager)
    # when
    statuses = [api_client.get("/api/v1/me/").status_code for _ in range(4)]
    # then
    assert statuses == [200, 200, 200, 429]
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert response.json()["code"] == "throttled"
    assert response.json()["retry_after"] == int(response["Retry-After"])


def test_anonymous_callers_of_public_endpoints_are_throttled_by_address(api_client, db, settings):
    # given
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "2/min", "user": "3/min"}}
    # when
    statuses = [api_client.get("/api/schema/").status_code for _ in range(3)]
    # then
    assert statuses == [200, 200, 429]


def test_unexpected_errors_answer_json_500(api_client, manager, monkeypatch):
    # given: a serializer that breaks
    from partners.api import views

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.MeSerializer, "to_representation", explode)
    api_client.force_authenticate(manager)
    api_client.raise_request_exception = False
    # when
    response = api_client.get("/api/v1/me/")
    # then
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert "boom" not in response.content.decode()
    assert connection.is_usable()


def test_a_disallowed_host_in_an_api_request_is_a_400_not_a_500(api_client, manager, settings):
    # given: pagination links are built from the Host header
    settings.ALLOWED_HOSTS = ["prm.example.com"]
    api_client.force_authenticate(manager)
    api_token_create(user=manager)
    api_token_create(user=manager)
    # when
    response = api_client.get("/api/v1/tokens/?page_size=1", HTTP_HOST="evil.example")
    # then
    assert response.status_code == 400


def test_a_client_s_throttle_state_is_one_counter_whatever_its_rate(api_client, manager, settings):
    # given: a generous rate, many requests
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/min", "user": "5000/min"},
    }
    api_client.force_authenticate(manager)
    first_window = int(time.time() // 60)
    # when
    for _ in range(25):
        assert api_client.get("/api/v1/me/").status_code == 200
    # then: a count per minute (the requests may straddle two), not a list of 25 request times
    key = UserThrottle().get_cache_key(SimpleNamespace(user=manager), None)
    windows = range(first_window, int(time.time() // 60) + 1)
    assert sum(int(counters().get(counter_key(key, window)) or 0) for window in windows) == 25
    assert counters().get(key) is None and cache.get(key) is None
