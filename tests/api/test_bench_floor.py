"""The benchmark compares the API with a floor; the floor must serve the same page."""

import json

from django.test import RequestFactory

from prm.bench import LIST_QUERY, floor_partners


def test_the_floor_returns_the_same_page_as_the_api(manager_client, make_partner):
    # given: matches and near misses of the benchmark's filters
    for index in range(60):
        make_partner(name=f"Match {index:02d}", type="channel", regions=["DACH"], verticals=["healthcare"])
    make_partner(name="Wrong type", type="sales", regions=["DACH"], verticals=["healthcare"])
    make_partner(name="Wrong region", type="channel", regions=["JP"], verticals=["healthcare"])
    make_partner(name="Wrong vertical", type="channel", regions=["WE"], verticals=["retail"])
    # when
    api = manager_client.get(f"/api/v1/partners/?{LIST_QUERY}").json()["results"]
    floor = json.loads(floor_partners(RequestFactory().get("/bench/floor/partners/")).content)["results"]
    # then
    assert [row["id"] for row in floor] == [row["id"] for row in api]
    assert len(floor) == 50
