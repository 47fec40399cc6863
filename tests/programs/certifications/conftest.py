import pytest

from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory


@pytest.fixture
def owner(db):
    return UserFactory(role="manager")


@pytest.fixture
def alpha(owner):
    return PartnerFactory(name="Alpha Care", type="channel", status="active", owner=owner, verticals=["healthcare"])


@pytest.fixture
def bravo(owner):
    return PartnerFactory(name="Bravo Secret", type="channel", status="active", owner=owner)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the evidence files of the test stay in its own folder
