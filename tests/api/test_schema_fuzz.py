"""Property-based fuzzing of the whole API from its own OpenAPI schema (schemathesis).

Every operation of /api/schema/ is called with generated parameters and bodies against the live
test server, as an administrator and as a partner admin, with a fixed seed: no answer may be a
5xx, and every answer the schema documents must match it. The examples per operation are enough
for Hypothesis to try every parameter with valid, boundary and missing values.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from partners.models import PartnerUser
from partners.services import api_token_create, contact_add
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory

EXAMPLES_PER_OPERATION = 15
CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture
def api_schema(live_server, settings):
    # the fuzzer sends thousands of requests; the throttles are tested elsewhere
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/min", "user": "100000/min"},
    }
    return schemathesis.openapi.from_url(f"{live_server.url}/api/schema/")


def _token(user) -> dict:
    _, key = api_token_create(user=user, name="fuzz")
    return {"Authorization": f"Token {key}"}


@pytest.fixture
def partner(transactional_db):
    """Data for the callers to find: a partner with a contact."""
    partner = PartnerFactory(name="Helix Health", website="https://helix.example")
    contact_add(partner_id=partner.pk, actor=None, name="Ines Ortega", email="ines@helix.example")
    return partner


@pytest.fixture
def admin_token(partner) -> dict:
    return _token(UserFactory(role="admin"))


@pytest.fixture
def partner_admin_token(partner) -> dict:
    user = UserFactory(is_staff=False)
    PartnerUser.objects.create(user=user, partner=partner, role="partner_admin")
    return _token(user)


FUZZ = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,  # the same examples on every run: a failure is reproducible
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)


def _fuzz(api_schema, headers: dict, base_url: str) -> tuple[int, list[str]]:
    """Every operation with generated input; the failures, one line each (operation and what broke)."""
    operations, failures = 0, []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @FUZZ
        @given(case=operation.as_strategy())
        def call(case):
            response = case.call(base_url=base_url, headers=headers)
            case.validate_response(response, checks=CHECKS)

        try:
            call()
        except (Exception, BaseExceptionGroup) as exc:  # each operation's failures are collected, then all shown
            failures.append(f"{operation.label}: " + " | ".join(str(exc).strip().splitlines()[:10]))
    return operations, failures


def test_no_operation_answers_an_administrator_5xx_or_off_schema(api_schema, admin_token, live_server):
    # when
    operations, failures = _fuzz(api_schema, admin_token, live_server.url)
    # then
    assert operations > 40
    assert failures == [], "\n".join(failures)


def test_no_operation_answers_a_partner_admin_5xx_or_off_schema(api_schema, partner_admin_token, live_server):
    # when
    operations, failures = _fuzz(api_schema, partner_admin_token, live_server.url)
    # then
    assert operations > 40
    assert failures == [], "\n".join(failures)
