from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.core.cache import cache
from rest_framework.test import APIClient

from partners.reference import reference_changed
from tests.factories import UserFactory

pytest_plugins = ["tests.fixtures.worker", "tests.fixtures.browser"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle and rate-limit counters live in the cache; every test starts with none, and with
    no copy of the reference data kept by the process either."""
    cache.clear()
    reference_changed()
    yield


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Transactional tests empty every table when they end, the rows that data migrations seed
    included (regions, verticals, default strategies and the rules later migrations add to them, deal
    protection days, lead routing rules, weights and capacities): put them back for the tests that follow."""
    marker = request.node.get_closest_marker("django_db")
    if "transactional_db" in request.fixturenames or (marker and marker.kwargs.get("transaction")):
        request.getfixturevalue("transactional_db")
        import_module("partners.migrations.0003_seed_regions_verticals").seed(django_apps, None)
        import_module("programs.migrations.0002_default_strategies").seed(django_apps, None)
        import_module("programs.migrations.0007_default_strategies_ask_partners").ask_partners(django_apps, None)
        import_module("programs.migrations.0020_default_strategies_read_deals").read_deals(django_apps, None)
        import_module("programs.migrations.0024_default_strategies_tier_evaluation").review_tiers(django_apps, None)
        import_module("programs.migrations.0025_certifications").add_certification_rules(django_apps, None)
        import_module("programs.migrations.0014_default_deal_protection").create(django_apps, None)
        import_module("programs.migrations.0016_lead_defaults").seed(django_apps, None)


@pytest.fixture(autouse=True)
def _worker_for_marked_tests(request):
    """A test marked ``worker`` always publishes to the real worker process."""
    if request.node.get_closest_marker("worker"):
        request.getfixturevalue("worker")


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def manager(db):
    return UserFactory(role="manager")


@pytest.fixture
def admin_user(db):
    return UserFactory(role="admin")
