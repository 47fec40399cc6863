"""The benchmark compares the API and the export with hand-written floors; each floor must answer
exactly what it stands for, or the ratios mean nothing."""

import json

import pytest
from django.test import RequestFactory

from partners.services import api_token_create
from prm.bench import LIST_QUERY
from prm.bench_floors import floor_partners, floor_partners_csv, floor_partners_walk


@pytest.fixture
def bench_partners(make_partner):
    """Matches and near misses of the benchmark's filters."""
    for index in range(60):
        make_partner(name=f"Match {index:02d}", type="channel", regions=["DACH"], verticals=["healthcare"])
    make_partner(name="Wrong type", type="sales", regions=["DACH"], verticals=["healthcare"])
    make_partner(name="Wrong region", type="channel", regions=["JP"], verticals=["healthcare"])
    make_partner(name="Wrong vertical", type="channel", regions=["WE"], verticals=["retail"])


@pytest.fixture
def token(manager) -> str:
    return api_token_create(user=manager)[1]


def _floor(view, path: str, token: str):
    return view(RequestFactory().get(path, HTTP_AUTHORIZATION=f"Token {token}"))


@pytest.mark.parametrize("cap", [10_000, 40])
def test_the_list_floor_answers_the_same_body_as_the_api(manager_client, bench_partners, token, settings, cap):
    # given
    settings.LIST_COUNT_CAP = cap
    # when
    api = manager_client.get(f"/api/v1/partners/?{LIST_QUERY}").json()
    floor = json.loads(_floor(floor_partners, "/bench/floor/partners/", token).content)
    # then: the same count, the same rows with the same fields and values
    assert (floor["count"], floor["count_exact"]) == (api["count"], api["count_exact"])
    assert floor["results"] == api["results"]
    assert len(floor["results"]) == 50


def test_the_walk_floor_walks_the_same_rows_as_the_cursor_walk(manager_client, bench_partners, token):
    # given: the API's walk in its default order, 200 a page
    api_rows, url = [], "/api/v1/partners/?cursor=&page_size=200"
    while url:
        body = manager_client.get(url).json()
        api_rows += body["results"]
        url = body["next"]
    # when
    floor = json.loads(_floor(floor_partners_walk, "/bench/floor/partners/walk/", token).content)
    # then
    assert floor["results"] == api_rows
    assert floor["next"] is None


def test_the_csv_floor_writes_the_same_file_as_the_export(client, manager, bench_partners, token):
    # given
    client.force_login(manager)
    # when
    export = b"".join(client.get("/partners/export.csv").streaming_content)
    floor = b"".join(_floor(floor_partners_csv, "/bench/floor/partners.csv", token).streaming_content)
    # then
    assert floor == export
    assert export.count(b"\n") == 64


def test_a_floor_refuses_a_request_without_a_valid_token(bench_partners):
    # when
    response = _floor(floor_partners, "/bench/floor/partners/", "not-a-token")
    # then
    assert response.status_code == 401
