"""The base layout, the dashboard placeholder and the error pages."""

import re

import pytest
from django.test import RequestFactory

from prm import views


def _local_assets(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/static/[^"]+)"', html)


def test_dashboard_has_navigation_and_the_users_name(client, manager):
    # given
    client.force_login(manager)
    # when
    response = client.get("/")
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert 'aria-label="Main navigation"' in html
    assert manager.first_name in html
    assert 'name="csrfmiddlewaretoken"' in html  # the log-out form posts


def test_every_asset_of_the_layout_is_served_locally(client, manager):
    # given
    client.force_login(manager)
    html = client.get("/").content.decode()
    # when
    assets = _local_assets(html)
    # then: Bootstrap, the icons, htmx and Chart.js, none from a CDN
    assert any("bootstrap.min.css" in asset for asset in assets)
    assert any("htmx" in asset for asset in assets)
    assert any("chart.umd" in asset for asset in assets)
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)
    for asset in assets:
        assert client.get(asset).status_code == 200, asset


def test_messages_are_shown_once(client, manager):
    # given
    client.force_login(manager)
    # when: logging out leaves a message for the next page
    client.post("/accounts/logout/")
    first = client.get("/accounts/login/").content.decode()
    second = client.get("/accounts/login/").content.decode()
    # then
    assert "signed out" in first.lower() or "logged out" in first.lower()
    assert "signed out" not in second.lower() and "logged out" not in second.lower()


def test_an_unknown_page_gets_the_404_page(client, manager):
    # given
    client.force_login(manager)
    # when
    response = client.get("/no-such-page/")
    # then
    assert response.status_code == 404
    assert 'aria-label="Main navigation"' in response.content.decode()


@pytest.mark.parametrize(
    ("handler", "status"), [(views.error_400, 400), (views.error_403, 403), (views.error_404, 404)]
)
def test_error_pages_render_for_people_and_json_for_the_api(db, handler, status):
    # given
    factory = RequestFactory()
    # when
    page = handler(factory.get("/somewhere/"), Exception("x"))
    api = handler(factory.get("/api/v1/somewhere/"), Exception("x"))
    # then
    assert page.status_code == status
    assert "<html" in page.content.decode()
    assert api.status_code == status
    assert api["Content-Type"] == "application/json"


def test_the_500_page_renders(db):
    # when
    response = views.error_500(RequestFactory().get("/boom/"))
    # then
    assert response.status_code == 500
    assert "<html" in response.content.decode()
    assert views.error_500(RequestFactory().get("/api/v1/boom/")).status_code == 500
