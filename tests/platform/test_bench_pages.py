"""prm.bench_pages measures every page it names, logged in, without redirects, with its queries."""

import pytest

from prm import bench_pages
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory
from tests.programs.portal_helpers import outcome

pytestmark = pytest.mark.django_db

PAGES = {
    "partner_list",
    "partner_list_filtered",
    "partner_list_search",
    "dashboard",
    "inbox_mine",
    "inbox_everyone",
    "partner_page",
    "strategies",
    "csv_export",
}


def test_measure_pages_times_every_page_and_counts_its_queries(settings):
    # given: production-like settings (an https redirect, staff MFA), a superuser, a manager with outcomes
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    settings.SECURE_SSL_REDIRECT = True
    settings.MFA_REQUIRED_FOR_STAFF = True
    UserFactory(role="admin")
    manager = UserFactory()
    for partner in PartnerFactory.create_batch(3, type="channel", regions=["DACH"], name="Helix Health"):
        outcome(partner, assignee=manager)
    # when
    results = bench_pages.measure_pages(repeat=2)
    # then: every page answered 200 (anything else raises) with a time and its own queries
    assert set(results) == PAGES
    for name, (median_ms, queries) in results.items():
        assert median_ms > 0, name
        assert queries >= 3, name  # at least the session, the user and the page's own data
