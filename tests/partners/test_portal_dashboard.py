"""The manager dashboard: counts by type, status and region, each a link to the filtered list."""

import json
import re

import pytest

from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory


def _chart_data(html: str) -> dict:
    match = re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', html, re.S)
    assert match, "the chart data is embedded with json_script"
    return json.loads(match.group(1))


def test_dashboard_shows_kpis_that_link_to_the_filtered_list(client, manager):
    # given
    PartnerFactory.create_batch(3, status="active")
    PartnerFactory.create_batch(2, status="onboarding")
    PartnerFactory(status="prospect")
    client.force_login(manager)
    # when
    response = client.get("/")
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'href="/partners/\?status=active">.*?prm-kpi-value">3<', html, re.S)
    assert re.search(r'href="/partners/\?status=onboarding">.*?prm-kpi-value">2<', html, re.S)
    assert re.search(r'href="/partners/\?status=prospect">.*?prm-kpi-value">1<', html, re.S)
    assert re.search(r'href="/partners/">.*?prm-kpi-value">6<', html, re.S)


def test_dashboard_counts_partners_by_type_with_links(client, manager):
    # given
    PartnerFactory.create_batch(2, type="channel")
    PartnerFactory(type="financial")
    client.force_login(manager)
    # when
    html = client.get("/").content.decode()
    # then
    assert re.search(r'href="/partners/\?type=channel">.*?prm-legend-count">2<', html, re.S)
    assert re.search(r'href="/partners/\?type=financial">.*?prm-legend-count">1<', html, re.S)
    assert re.search(r'href="/partners/\?type=support">.*?prm-legend-count">0<', html, re.S)
    chart = _chart_data(html)
    assert dict(zip(chart["types"]["labels"], chart["types"]["counts"], strict=True))["Channel"] == 2
    assert "/partners/?type=channel" in chart["types"]["urls"]


def test_dashboard_counts_a_sub_region_partner_under_its_continent(client, manager):
    # given: DACH is in EMEA; NA is in AMER
    PartnerFactory(regions=["DACH"])
    PartnerFactory(regions=["DACH", "WE"])
    PartnerFactory(regions=["NA"])
    client.force_login(manager)
    # when
    html = client.get("/").content.decode()
    # then: a partner counts once in a continent, however many of its sub-regions it covers
    regions = _chart_data(html)["regions"]
    counts = dict(zip(regions["codes"], regions["counts"], strict=True))
    assert counts["EMEA"] == 2
    assert counts["DACH"] == 2
    assert counts["WE"] == 1
    assert counts["AMER"] == 1
    assert counts["APAC"] == 0
    tops = [code for code, top in zip(regions["codes"], regions["top"], strict=True) if top]
    assert sorted(tops) == ["AMER", "APAC", "EMEA"]
    assert re.search(r'href="/partners/\?region=EMEA">.*?prm-legend-count">2<', html, re.S)


def test_dashboard_shows_the_status_breakdown_with_links(client, manager):
    # given
    PartnerFactory.create_batch(2, status="inactive")
    client.force_login(manager)
    # when
    html = client.get("/").content.decode()
    # then
    assert re.search(r'href="/partners/\?status=inactive">.*?prm-legend-count">2<', html, re.S)
    assert re.search(r'href="/partners/\?status=terminated">.*?prm-legend-count">0<', html, re.S)


def test_dashboard_loads_its_chart_script_deferred(client, manager):
    # given
    PartnerFactory()
    client.force_login(manager)
    # when
    html = client.get("/").content.decode()
    # then
    assert re.search(r'<script src="/static/js/dashboard\.js" defer>', html)
    assert client.get("/static/js/dashboard.js").status_code == 200


def test_dashboard_without_partners_shows_the_empty_state(client, manager):
    # given
    client.force_login(manager)
    # when
    html = client.get("/").content.decode()
    # then
    assert "No partners yet" in html
    assert "dashboard-data" not in html
    assert 'href="/partners/new/"' in html


def test_dashboard_offers_no_new_partner_button_to_an_analyst(client, db):
    # given
    PartnerFactory()
    client.force_login(UserFactory(role="analyst"))
    # when
    html = client.get("/").content.decode()
    # then
    assert "/partners/new/" not in html


def test_dashboard_links_to_the_partner_list_in_the_navbar(client, manager):
    # given
    client.force_login(manager)
    # when
    html = client.get("/").content.decode()
    # then
    nav = html[html.index('aria-label="Main navigation"') : html.index("</nav>")]
    assert 'href="/partners/"' in nav


def test_dashboard_is_not_found_for_a_login_without_staff_rights(client, db):
    # given
    client.force_login(UserFactory(is_staff=False))
    # when
    response = client.get("/")
    # then
    assert response.status_code == 404


@pytest.mark.parametrize("partners", [1, 20])
def test_dashboard_query_count_does_not_grow_with_partners(client, manager, partners, django_assert_max_num_queries):
    # given
    PartnerFactory.create_batch(partners, owner=manager)
    client.force_login(manager)
    # when: session, user, region tree, one aggregate, region names, role, the deal pipeline
    # (programs' dashboard panel: one grouped query)
    with django_assert_max_num_queries(7):
        response = client.get("/")
    # then
    assert response.status_code == 200
