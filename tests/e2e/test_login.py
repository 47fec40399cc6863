import re

import pytest
from playwright.sync_api import expect

from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_manager_logs_in_and_reaches_the_dashboard(page):
    # given
    manager = UserFactory(email="maria@example.com", username="maria@example.com", first_name="Maria")
    # when
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Email").fill(manager.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name=re.compile("log in|sign in", re.I)).click()
    # then
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Maria")
    expect(page.get_by_role("navigation", name="Main navigation")).to_contain_text("Dashboard")


def test_wrong_password_shows_an_error_and_stays_logged_out(page):
    # given
    manager = UserFactory(email="tom@example.com", username="tom@example.com")
    # when
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(manager.email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name=re.compile("log in|sign in", re.I)).click()
    # then
    expect(page.get_by_text(re.compile("not correct", re.I))).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
