"""/api/v1/outcomes/ for partner logins: they read what is asked of their organisation, exactly as
the partner portal shows it, and never an outcome meant for their partner manager."""

import pytest

from partners.models import PartnerUser
from partners.services import api_token_create
from programs.strategies.models import Outcome
from programs.strategies.rules.base import AUDIENCES
from programs.strategies.selectors import partner_open_requests
from tests.api.test_outcomes_api import OUTCOME_KEYS, ids, make_outcome
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db

INTERNAL_KEYS = {"note", "assignee_name", "strategy_name", "recommended_status", "version_id"}


def _login(partner, role="partner_admin"):
    user = UserFactory(is_staff=False)
    PartnerUser.objects.create(user=user, partner=partner, role=role)
    return user


def _token(user) -> dict:
    _, key = api_token_create(user=user)
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


@pytest.fixture
def alpha():
    return PartnerFactory(name="Alpha Widgets", type="business")


@pytest.fixture
def outcomes(alpha, manager):
    """Alpha's requests (open and done), alpha's internal manager task, and another partner's request."""
    return {
        "request": make_outcome(
            partner=alpha, audience="partner", title="Please renew your insurance certificate",
            evidence={"expires_on": "2026-12-01"}, assignee=manager, due_on="2026-12-01",
        ),
        "done": make_outcome(partner=alpha, audience="partner", state="done", note="Seen by Petra: uploaded"),
        "internal": make_outcome(partner=alpha, audience="manager", title="Consider downgrading Alpha"),
        "other": make_outcome(partner=PartnerFactory(type="business"), audience="partner"),
    }  # fmt: skip


@pytest.mark.parametrize("role", ["partner_admin", "partner_member"])
def test_a_partner_login_lists_only_its_own_partner_addressed_outcomes(api_client, alpha, outcomes, role):
    # given
    api_client.force_authenticate(_login(alpha, role))
    # when
    listed = ids(api_client.get("/api/v1/outcomes/"))
    # then: every state of its own requests; neither its manager's tasks nor another partner's requests
    assert listed == {outcomes["request"].pk, outcomes["done"].pk}


def test_a_partner_login_cannot_widen_its_list_with_filters(api_client, alpha, outcomes):
    # given
    api_client.force_authenticate(_login(alpha))
    other = outcomes["other"]
    # when / then
    assert ids(api_client.get("/api/v1/outcomes/?audience=manager")) == set()
    assert ids(api_client.get("/api/v1/outcomes/?audience=partner")) == {outcomes["request"].pk, outcomes["done"].pk}
    assert ids(api_client.get(f"/api/v1/outcomes/?partner={other.partner_id}")) == set()
    assert ids(api_client.get(f"/api/v1/outcomes/?strategy={outcomes['internal'].strategy_id}&state=open")) == {
        outcomes["request"].pk
    }


@pytest.mark.parametrize("which", ["internal", "other"])
def test_a_partner_login_gets_404_for_its_managers_and_another_partners_outcomes(api_client, alpha, outcomes, which):
    # given
    api_client.force_authenticate(_login(alpha))
    outcome = outcomes[which]
    # when
    read = api_client.get(f"/api/v1/outcomes/{outcome.pk}/")
    write = api_client.patch(f"/api/v1/outcomes/{outcome.pk}/", {"state": "done"}, format="json")
    # then
    assert (read.status_code, write.status_code) == (404, 404)
    assert "Consider downgrading" not in read.content.decode() + write.content.decode()
    assert Outcome.objects.get(pk=outcome.pk).state == "open"


@pytest.mark.parametrize("role", ["partner_admin", "partner_member"])
@pytest.mark.parametrize(
    "body", [{"state": "done", "note": "Uploaded it"}, {"state": "dismissed"}, {"state": "applied"}]
)
def test_a_partner_login_cannot_close_its_own_outcome(api_client, alpha, outcomes, role, body):
    # given
    api_client.force_authenticate(_login(alpha, role))
    outcome = outcomes["request"]
    # when
    response = api_client.patch(f"/api/v1/outcomes/{outcome.pk}/", body, format="json")
    # then
    assert response.status_code == 403
    assert "partner manager closes" in response.json()["detail"]
    outcome.refresh_from_db()
    assert (outcome.state, outcome.note, outcome.closed_at) == ("open", "", None)


def test_a_partner_login_reads_the_contract_fields_without_the_internal_ones(api_client, alpha, outcomes, manager):
    # given
    api_client.force_authenticate(_login(alpha, "partner_member"))
    request, done = outcomes["request"], outcomes["done"]
    # when
    detail = api_client.get(f"/api/v1/outcomes/{request.pk}/")
    rows = api_client.get("/api/v1/outcomes/").json()["results"]
    # then
    assert detail.status_code == 200
    body = detail.json()
    assert set(body) >= OUTCOME_KEYS
    assert not INTERNAL_KEYS & set(body)
    assert (body["title"], body["audience"], body["state"]) == (
        "Please renew your insurance certificate",
        "partner",
        "open",
    )
    assert body["evidence"] == {"expires_on": "2026-12-01"}
    assert (body["strategy"], body["version"], body["assignee"]) == (
        request.strategy_id, request.version.number, manager.pk
    )  # fmt: skip
    for row in rows:
        assert not INTERNAL_KEYS & set(row)
    assert "Seen by Petra" not in api_client.get(f"/api/v1/outcomes/{done.pk}/").content.decode()


def test_staff_filter_outcomes_by_audience(manager_client, outcomes):
    # when / then
    partner_addressed = {outcomes["request"].pk, outcomes["done"].pk, outcomes["other"].pk}
    assert ids(manager_client.get("/api/v1/outcomes/?audience=partner")) == partner_addressed
    assert ids(manager_client.get("/api/v1/outcomes/?audience=manager")) == {outcomes["internal"].pk}
    assert ids(manager_client.get("/api/v1/outcomes/?audience=manager, partner")) == {
        *partner_addressed, outcomes["internal"].pk
    }  # fmt: skip
    assert ids(manager_client.get("/api/v1/outcomes/")) == {*partner_addressed, outcomes["internal"].pk}


def test_staff_still_read_the_internal_fields(manager_client, outcomes):
    # when
    body = manager_client.get(f"/api/v1/outcomes/{outcomes['done'].pk}/").json()
    # then
    assert set(body) >= OUTCOME_KEYS | INTERNAL_KEYS
    assert body["note"] == "Seen by Petra: uploaded"


@pytest.mark.parametrize("rows", [1, 20])
def test_a_partner_token_lists_with_a_flat_query_count(api_client, alpha, rows, django_assert_max_num_queries):
    # given: as many internal outcomes again, which must cost nothing either
    for _ in range(rows):
        make_outcome(partner=alpha, audience="partner")
        make_outcome(partner=alpha, audience="manager")
    headers = _token(_login(alpha))
    # when: token, membership, count, one page with partner, strategy, version and assignee joined
    with django_assert_max_num_queries(4):
        response = api_client.get("/api/v1/outcomes/?page_size=20", **headers)
    # then
    assert response.status_code == 200
    assert len(response.json()["results"]) == rows


def test_a_partner_token_sees_what_the_portal_home_shows(api_client, client, alpha, outcomes):
    # given
    user = _login(alpha, "partner_member")
    headers = _token(user)
    client.force_login(user)
    # when
    api_rows = api_client.get("/api/v1/outcomes/?state=open", **headers).json()["results"]
    home = client.get("/partner/").content.decode()
    # then: the same open requests, in the same order; the manager's task in neither
    assert [row["id"] for row in api_rows] == [o.pk for o in partner_open_requests(user=user, partner_id=alpha.pk)]
    assert [row["title"] for row in api_rows] == ["Please renew your insurance certificate"]
    assert "Please renew your insurance certificate" in home
    assert "Consider downgrading Alpha" not in home


def test_partner_open_requests_are_partner_addressed_whoever_asks(alpha, outcomes, manager):
    # when: a manager asks what the partner sees
    requests = list(partner_open_requests(user=manager, partner_id=alpha.pk))
    # then
    assert requests == [outcomes["request"]]


def test_rule_audiences_are_the_outcome_audiences():
    assert set(Outcome.Audience.values) == AUDIENCES
