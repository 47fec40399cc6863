"""/api/v1/outcomes/ as api.md promises it: filters, closing and applying, permissions."""

import itertools

import pytest

from partners.models import Partner
from programs.strategies.models import Outcome, Strategy, StrategyRun
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db

OUTCOME_KEYS = {
    "id", "partner", "strategy", "version", "run", "rule_kind", "kind", "title", "explanation", "evidence",
    "due_on", "assignee", "state", "created_at",
}  # fmt: skip
_keys = itertools.count(1)


def make_outcome(partner=None, strategy_type: str = "business", **fields) -> Outcome:
    """An outcome written straight to the database, as a run would have stored it."""
    strategy = Strategy.objects.select_related("current_version").get(partner_type=strategy_type)
    defaults = {
        "strategy": strategy, "version": strategy.current_version, "rule_kind": "inactivity", "kind": "task",
        "title": "Re-engage the partner", "explanation": "No activity for 130 days (threshold: 120 days).",
        "evidence": {"days_without_activity": 130}, "dedupe_key": f"key-{next(_keys)}",
    }  # fmt: skip
    return Outcome.objects.create(partner=partner or PartnerFactory(type=strategy_type), **{**defaults, **fields})


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_an_outcome_has_the_api_md_representation(manager_client, manager):
    # given
    outcome = make_outcome(assignee=manager, due_on="2030-01-31")
    # when
    response = manager_client.get(f"/api/v1/outcomes/{outcome.pk}/")
    # then
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= OUTCOME_KEYS
    assert (body["partner"], body["strategy"], body["version"]) == (
        outcome.partner_id, outcome.strategy_id, outcome.version.number
    )  # fmt: skip
    assert (body["kind"], body["state"], body["assignee"], body["due_on"]) == ("task", "open", manager.pk, "2030-01-31")
    assert body["evidence"] == {"days_without_activity": 130}
    assert body["partner_name"] == outcome.partner.name
    assert body["run"] is None
    assert body["audience"] == "manager"


def test_the_list_shows_every_state_by_default(manager_client):
    # given
    open_one, done = make_outcome(), make_outcome(state="done")
    # when / then
    assert ids(manager_client.get("/api/v1/outcomes/")) == {open_one.pk, done.pk}
    assert ids(manager_client.get("/api/v1/outcomes/?state=open")) == {open_one.pk}
    assert ids(manager_client.get("/api/v1/outcomes/?state=done,dismissed")) == {done.pk}


def test_outcomes_filter_by_partner_kind_assignee_run_and_strategy(manager_client, manager):
    # given
    someone = UserFactory()
    partner = PartnerFactory(type="business")
    run = StrategyRun.objects.create(
        strategy=Strategy.objects.get(partner_type="sales"),
        version=Strategy.objects.get(partner_type="sales").current_version,
        trigger="manual",
        status="succeeded",
    )
    mine = make_outcome(partner=partner, assignee=manager)
    alert = make_outcome(kind="alert", assignee=someone)
    from_run = make_outcome(strategy_type="sales", run=run, kind="notification")
    # when / then
    assert ids(manager_client.get(f"/api/v1/outcomes/?partner={partner.pk}")) == {mine.pk}
    assert ids(manager_client.get(f"/api/v1/outcomes/?partner={partner.pk},{alert.partner_id}")) == {mine.pk, alert.pk}
    assert ids(manager_client.get("/api/v1/outcomes/?kind=alert,notification")) == {alert.pk, from_run.pk}
    assert ids(manager_client.get(f"/api/v1/outcomes/?assignee={someone.pk}")) == {alert.pk}
    assert ids(manager_client.get("/api/v1/outcomes/?assignee=me")) == {mine.pk}
    assert ids(manager_client.get(f"/api/v1/outcomes/?run={run.pk}")) == {from_run.pk}
    assert ids(manager_client.get(f"/api/v1/outcomes/?strategy={run.strategy_id}")) == {from_run.pk}
    assert ids(manager_client.get("/api/v1/outcomes/?partner_type=sales")) == {from_run.pk}


@pytest.mark.parametrize(
    "query, field",
    [
        ("kind=memo", "kind"),
        ("state=open,forgotten", "state"),
        ("state=", "state"),
        ("partner=abc", "partner"),
        ("partner=99999999999999999999999", "partner"),
        ("assignee=you", "assignee"),
        ("run=1.5", "run"),
        ("strategy=-1", "strategy"),
        ("due_before=tomorrow", "due_before"),
        ("partner_type=martian", "partner_type"),
        ("audience=everyone", "audience"),
        ("audience=", "audience"),
    ],
)
def test_unknown_filter_values_are_400_with_the_field(manager_client, query, field):
    # when
    response = manager_client.get(f"/api/v1/outcomes/?{query}")
    # then
    assert response.status_code == 400
    assert list(response.json()) == [field]


@pytest.mark.parametrize("state", ["done", "dismissed"])
def test_patch_closes_an_open_outcome_with_the_note(manager_client, manager, state):
    # given
    outcome = make_outcome()
    # when
    response = manager_client.patch(f"/api/v1/outcomes/{outcome.pk}/", {"state": state, "note": "seasonal"})
    # then
    assert response.status_code == 200, response.content
    assert response.json()["state"] == state
    outcome.refresh_from_db()
    assert outcome.state == state
    assert "seasonal" in outcome.note
    assert manager.get_full_name() in outcome.note
    assert outcome.closed_at is not None


def test_patch_applied_carries_out_the_recommended_status_change(manager_client):
    # given
    partner = PartnerFactory(type="business", status="active")
    outcome = make_outcome(partner=partner, kind="status_change", recommended_status="inactive")
    # when
    response = manager_client.patch(f"/api/v1/outcomes/{outcome.pk}/", {"state": "applied", "note": "agreed"})
    # then
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "applied"
    assert response.json()["note"].endswith(": agreed")
    assert Partner.objects.get(pk=partner.pk).status == "inactive"


def test_applying_a_task_is_409_and_leaves_it_open(manager_client):
    # given
    outcome = make_outcome(kind="task")
    # when
    response = manager_client.patch(f"/api/v1/outcomes/{outcome.pk}/", {"state": "applied"})
    # then
    assert response.status_code == 409
    assert response.json()["code"] == "outcome_not_applicable"
    assert Outcome.objects.get(pk=outcome.pk).state == "open"


@pytest.mark.parametrize("state", ["done", "dismissed", "applied"])
def test_an_outcome_that_is_not_open_is_409(manager_client, state):
    # given
    outcome = make_outcome(state="resolved", note="No longer produced by version 2 (run 1).")
    # when
    response = manager_client.patch(f"/api/v1/outcomes/{outcome.pk}/", {"state": state})
    # then
    assert response.status_code == 409
    assert response.json()["code"] == "outcome_not_open"
    outcome.refresh_from_db()
    assert (outcome.state, outcome.note) == ("resolved", "No longer produced by version 2 (run 1).")


@pytest.mark.parametrize("body", [{"state": "resolved"}, {"state": "open"}, {"state": "bogus"}, {}, {"note": "x"}])
def test_other_states_are_400_and_change_nothing(manager_client, body):
    # given
    outcome = make_outcome()
    # when
    response = manager_client.patch(f"/api/v1/outcomes/{outcome.pk}/", body)
    # then
    assert response.status_code == 400
    assert "state" in response.json()
    assert Outcome.objects.get(pk=outcome.pk).state == "open"


def test_an_analyst_reads_but_cannot_close(api_client):
    # given
    outcome = make_outcome()
    api_client.force_authenticate(UserFactory(role="analyst"))
    # when
    response = api_client.patch(f"/api/v1/outcomes/{outcome.pk}/", {"state": "done"})
    # then
    assert response.status_code == 403
    assert Outcome.objects.get(pk=outcome.pk).state == "open"
    assert api_client.get(f"/api/v1/outcomes/{outcome.pk}/").status_code == 200


def test_anonymous_callers_are_401_and_logins_of_no_partner_403(api_client):
    # given
    outcome = make_outcome()
    # when / then
    assert api_client.get("/api/v1/outcomes/").status_code == 401
    assert api_client.patch(f"/api/v1/outcomes/{outcome.pk}/", {"state": "done"}).status_code == 401
    api_client.force_authenticate(UserFactory(is_staff=False))
    assert api_client.get("/api/v1/outcomes/").status_code == 403
    assert api_client.patch(f"/api/v1/outcomes/{outcome.pk}/", {"state": "done"}).status_code == 403
    assert Outcome.objects.get(pk=outcome.pk).state == "open"


def test_an_unknown_outcome_is_404(manager_client):
    assert manager_client.get("/api/v1/outcomes/999999/").status_code == 404
    assert manager_client.patch("/api/v1/outcomes/999999/", {"state": "done"}).status_code == 404


@pytest.mark.parametrize("rows", [1, 20])
def test_outcome_list_query_count_is_flat(manager_client, manager, rows, django_assert_max_num_queries):
    # given
    for _ in range(rows):
        make_outcome(assignee=manager)
    # when: count and one page with partner, strategy, version and assignee joined
    with django_assert_max_num_queries(2):
        response = manager_client.get("/api/v1/outcomes/?page_size=20")
    # then
    assert len(response.json()["results"]) == rows
