import itertools

import pytest

from partners.services import api_token_create, partner_create

_names = itertools.count(1)


@pytest.fixture
def make_partner(manager):
    """Create a partner through the service, as integrations and pages do; ``manager`` owns it
    (so may change it) unless ``owner=`` says otherwise."""

    def make(**fields):
        number = next(_names)
        defaults = {
            "name": f"Partner {number:04d}",
            "type": "channel",
            "country": "DE",
            "regions": ["DACH"],
            "verticals": ["healthcare"],
            "status": "active",
            "owner": manager,
        }
        return partner_create(actor=manager, **{**defaults, **fields})

    return make


@pytest.fixture
def manager_client(api_client, manager):
    api_client.force_authenticate(manager)
    return api_client


@pytest.fixture
def token_header(manager):
    _, key = api_token_create(user=manager)
    return {"HTTP_AUTHORIZATION": f"Token {key}"}
