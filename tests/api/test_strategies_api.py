"""/api/v1/strategies/, /runs/ and /rule-kinds/ as api.md promises them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from programs.strategies.models import Strategy, StrategyRun, StrategyVersion
from programs.strategies.services import run_start, strategy_publish
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db

STRATEGY_KEYS = {"id", "name", "partner_type", "scope", "is_active", "schedule", "version", "rules"}
RUN_KEYS = {
    "id", "strategy", "version", "trigger", "dry_run", "status", "partners_total", "partners_evaluated",
    "outcomes_created", "outcomes_unchanged", "outcomes_closed", "started_at", "finished_at", "error",
}  # fmt: skip
INACTIVITY = [{"kind": "inactivity", "params": {"days": 30}, "scope": {}}]


@pytest.fixture
def strategy(manager) -> Strategy:
    """The business strategy reduced to one easy rule (the version after the seeded ones), so runs
    are easy to count."""
    strategy = Strategy.objects.get(partner_type="business")
    strategy_publish(strategy_id=strategy.pk, actor=manager, rules=INACTIVITY, note="one rule")
    strategy.refresh_from_db()
    return strategy


@pytest.fixture
def analyst_client(api_client, db):
    api_client.force_authenticate(UserFactory(role="analyst"))
    return api_client


def quiet_partners(count: int, **fields):
    defaults = {"type": "business", "status": "active", "last_activity_at": timezone.now() - timedelta(days=90)}
    return PartnerFactory.create_batch(count, **{**defaults, **fields})


def new_strategy_body(**fields) -> dict:
    return {
        "name": "Healthcare channel partners in EMEA",
        "partner_type": "channel",
        "scope": {"verticals": ["healthcare"], "regions": ["EMEA"]},
        "schedule": "15 4 * * 1",
        "rules": [
            {"kind": "inactivity", "params": {"days": 60}, "scope": {}},
            {"kind": "review_cadence", "params": {"every_days": 90}, "scope": {"engagement": ["strategic"]}},
        ],
        **fields,
    }


# --- strategies ----------------------------------------------------------------------


def test_list_and_detail_have_the_api_md_representation(manager_client, strategy):
    # given
    current = strategy.current_version.number
    # when
    listed = manager_client.get("/api/v1/strategies/")
    detail = manager_client.get(f"/api/v1/strategies/{strategy.pk}/")
    # then
    assert listed.status_code == 200
    assert listed.json()["count"] == Strategy.objects.count() == 6
    assert all(set(row) >= STRATEGY_KEYS for row in listed.json()["results"])
    body = detail.json()
    assert set(body) >= STRATEGY_KEYS
    assert body["name"] == "Business partners"
    assert body["partner_type"] == "business"
    assert body["scope"] == {"verticals": [], "regions": [], "engagement": []}
    assert body["version"] == current
    assert body["rules"] == INACTIVITY
    assert body["rules_described"] and "30 days" in body["rules_described"][0]


def test_list_filters_by_partner_type(manager_client):
    # when
    response = manager_client.get("/api/v1/strategies/?partner_type=sales,support")
    bad = manager_client.get("/api/v1/strategies/?partner_type=martian")
    # then
    assert sorted(row["partner_type"] for row in response.json()["results"]) == ["sales", "support"]
    assert bad.status_code == 400
    assert "partner_type" in bad.json()


def test_create_publishes_version_one(manager_client, manager):
    # when
    response = manager_client.post("/api/v1/strategies/", new_strategy_body(note="for the EMEA team"))
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["version"] == 1
    assert body["scope"] == {"verticals": ["healthcare"], "regions": ["EMEA"], "engagement": []}
    assert body["schedule"] == "15 4 * * 1"
    assert [rule["kind"] for rule in body["rules"]] == ["inactivity", "review_cadence"]
    assert response["Location"] == f"/api/v1/strategies/{body['id']}/"
    version = StrategyVersion.objects.get(strategy_id=body["id"])
    assert (version.number, version.note, version.author) == (1, "for the EMEA team", manager)


def test_create_answers_every_field_error_and_creates_nothing(manager_client):
    # when
    response = manager_client.post(
        "/api/v1/strategies/",
        new_strategy_body(
            name="Business partners",
            schedule="every day",
            scope={"regions": ["ATLANTIS"]},
            rules=[{"kind": "inactivity", "params": {"days": 1}}],
        ),
    )
    # then
    assert response.status_code == 400
    errors = response.json()
    assert errors["name"]
    assert errors["schedule"]
    assert errors["scope"]["regions"]
    assert errors["rules"]["0"]["params"]["days"]
    assert Strategy.objects.count() == 6


def test_create_needs_rules(manager_client):
    # when
    response = manager_client.post("/api/v1/strategies/", new_strategy_body(rules=[]))
    # then
    assert response.status_code == 400
    assert response.json()["rules"]
    assert not Strategy.objects.filter(partner_type="channel").exclude(name="Channel partners").exists()


def test_patch_of_rules_publishes_the_next_version_and_keeps_the_old_one(manager_client, strategy, manager):
    # given
    base = strategy.current_version.number
    rules = [{"kind": "inactivity", "params": {"days": 45, "recommend_inactive": True}, "scope": {}}]
    # when
    response = manager_client.patch(f"/api/v1/strategies/{strategy.pk}/", {"rules": rules, "note": "stricter"})
    # then
    assert response.status_code == 200, response.content
    assert response.json()["version"] == base + 1
    assert response.json()["rules"] == rules
    old = StrategyVersion.objects.get(strategy=strategy, number=base)
    assert old.rules == INACTIVITY
    new = StrategyVersion.objects.get(strategy=strategy, number=base + 1)
    assert (new.note, new.author) == ("stricter", manager)
    strategy.refresh_from_db()
    assert strategy.current_version == new


def test_patch_with_invalid_rules_is_400_with_nested_errors_and_publishes_nothing(manager_client, strategy):
    # given
    base = strategy.current_version.number
    versions = strategy.versions.count()
    # when
    response = manager_client.patch(
        f"/api/v1/strategies/{strategy.pk}/",
        {"rules": [{"kind": "inactivity", "params": {"days": 3}, "scope": {}}, {"kind": "telepathy"}]},
    )
    # then
    assert response.status_code == 400
    errors = response.json()["rules"]
    assert errors["0"]["params"]["days"] == ["Must be a whole number from 7 to 730."]
    assert errors["1"]["kind"]
    assert strategy.versions.count() == versions
    assert Strategy.objects.get(pk=strategy.pk).current_version.number == base


@pytest.mark.parametrize(
    "body, field",
    [
        ({"scope": {"regions": ["ATLANTIS"]}}, "scope"),
        ({"scope": {"planets": ["mars"]}}, "scope"),
        ({"scope": ["EMEA"]}, "scope"),
        ({"schedule": "61 * * * *"}, "schedule"),
        ({"schedule": "daily"}, "schedule"),
        ({"name": "Sales partners"}, "name"),
        ({"partner_type": "sales"}, "partner_type"),
        ({"is_active": "perhaps"}, "is_active"),
        ({"rules": "inactivity"}, "rules"),
        ({"rules": [{"kind": "review_cadence", "params": {"every_days": 90, "title": "a\u0000b"}}]}, "rules"),
        ({"scope": {"regions": ["EMEA"]}, "rules": [{"kind": "inactivity", "params": {}}]}, "rules"),
        ({"scope": {"regions": ["ATLANTIS"]}, "rules": INACTIVITY}, "scope"),
    ],
)
def test_an_invalid_patch_is_400_and_changes_nothing(manager_client, strategy, body, field):
    # given
    before = Strategy.objects.values().get(pk=strategy.pk)
    versions = strategy.versions.count()
    # when
    response = manager_client.patch(f"/api/v1/strategies/{strategy.pk}/", body)
    # then
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Strategy.objects.values().get(pk=strategy.pk) == before
    assert strategy.versions.count() == versions


def test_patch_of_name_schedule_and_active_flag_changes_them_without_a_new_version(manager_client, strategy):
    # given
    base = strategy.current_version.number
    versions = strategy.versions.count()
    # when
    response = manager_client.patch(
        f"/api/v1/strategies/{strategy.pk}/",
        {"name": "Business partners (all)", "schedule": "0 5 * * *", "is_active": False, "partner_type": "business"},
    )
    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["name"], body["schedule"], body["is_active"], body["version"]) == (
        "Business partners (all)", "0 5 * * *", False, base
    )  # fmt: skip
    assert strategy.versions.count() == versions


def test_patch_of_scope_changes_the_keys_given_and_publishes_the_next_version(manager_client, strategy):
    # given: a first scope change publishes base + 1
    base = strategy.current_version.number
    manager_client.patch(f"/api/v1/strategies/{strategy.pk}/", {"scope": {"verticals": ["healthcare"]}})
    # when
    response = manager_client.patch(f"/api/v1/strategies/{strategy.pk}/", {"scope": {"regions": ["EMEA"]}})
    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["scope"] == {"verticals": ["healthcare"], "regions": ["EMEA"], "engagement": []}
    assert body["version"] == base + 2
    assert body["rules"] == INACTIVITY
    assert StrategyVersion.objects.get(strategy=strategy, number=base + 2).note == "Scope changed: regions = EMEA"


def test_patch_of_an_unchanged_scope_publishes_nothing(manager_client, strategy):
    # given
    base = strategy.current_version.number
    # when
    response = manager_client.patch(f"/api/v1/strategies/{strategy.pk}/", {"scope": {"regions": []}})
    # then
    assert response.status_code == 200
    assert response.json()["version"] == base


def test_versions_are_listed_newest_first_with_author_and_note(manager_client, strategy, manager):
    # given: the fixture's version is the newest, above the versions the data migrations seeded
    current = strategy.current_version.number
    # when
    response = manager_client.get(f"/api/v1/strategies/{strategy.pk}/versions/")
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == current
    assert [row["number"] for row in body["results"]] == list(range(current, 0, -1))
    newest, *seeded = body["results"]
    assert (newest["number"], newest["note"], newest["author"], newest["rules"]) == (
        current,
        "one rule",
        manager.pk,
        INACTIVITY,
    )
    assert newest["published_at"]
    assert seeded[-1]["number"] == 1
    assert [row["author"] for row in seeded] == [None] * (current - 1)


def test_an_unknown_strategy_is_404(manager_client):
    assert manager_client.get("/api/v1/strategies/999999/").status_code == 404
    assert manager_client.post("/api/v1/strategies/999999/preview/").status_code == 404
    assert manager_client.patch("/api/v1/strategies/999999/", {"is_active": False}).status_code == 404


# --- preview, run, runs --------------------------------------------------------------


def test_preview_is_202_and_its_diff_says_what_would_change(
    manager_client, strategy, manager, django_capture_on_commit_callbacks
):
    # given: one partner with an open outcome that would stay, one quiet partner that would get one
    kept, _ = quiet_partners(2)
    with django_capture_on_commit_callbacks(execute=True):
        run_start(strategy_id=strategy.pk, actor=manager, trigger="manual", partner_ids=[kept.pk])
    current = strategy.current_version.number
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(f"/api/v1/strategies/{strategy.pk}/preview/")
    # then
    assert response.status_code == 202, response.content
    body = response.json()
    assert set(body) >= RUN_KEYS
    assert (body["dry_run"], body["trigger"], body["version"], body["strategy"]) == (
        True,
        "manual",
        current,
        strategy.pk,
    )
    assert response["Location"] == f"/api/v1/runs/{body['id']}/"
    run = manager_client.get(f"/api/v1/runs/{body['id']}/").json()
    assert (run["status"], run["partners_total"], run["partners_evaluated"]) == ("succeeded", 2, 2)
    diff = manager_client.get(f"/api/v1/runs/{body['id']}/diff/")
    assert diff.status_code == 200
    assert set(diff.json()) >= {"create", "keep", "close"}
    assert [entry["partner"] for entry in diff.json()["keep"]] == [kept.pk]
    assert len(diff.json()["create"]) == 1
    assert diff.json()["close"] == []
    assert set(diff.json()["create"][0]) >= {"partner", "partner_name", "rule_kind", "kind", "title", "explanation"}


def test_run_is_202_and_a_second_click_returns_the_same_run(manager_client, strategy):
    # when: the first run stays queued (its planning task is captured, not executed)
    first = manager_client.post(f"/api/v1/strategies/{strategy.pk}/run/")
    second = manager_client.post(f"/api/v1/strategies/{strategy.pk}/run/")
    # then
    assert (first.status_code, second.status_code) == (202, 202)
    assert first.json()["id"] == second.json()["id"]
    assert (first.json()["status"], first.json()["dry_run"]) == ("queued", False)
    assert StrategyRun.objects.filter(strategy=strategy, dry_run=False).count() == 1


def test_a_live_run_finishes_and_creates_outcomes(manager_client, strategy, django_capture_on_commit_callbacks):
    # given
    quiet_partners(3)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(f"/api/v1/strategies/{strategy.pk}/run/")
    # then
    run = manager_client.get(f"/api/v1/runs/{response.json()['id']}/").json()
    assert (run["status"], run["outcomes_created"], run["progress"]) == ("succeeded", 3, 100)
    assert run["started_at"] and run["finished_at"]
    assert manager_client.get(f"/api/v1/outcomes/?run={run['id']}").json()["count"] == 3


def test_the_diff_of_a_live_run_is_409(manager_client, strategy, manager):
    # given
    run = run_start(strategy_id=strategy.pk, actor=manager, trigger="manual")
    # when
    response = manager_client.get(f"/api/v1/runs/{run.pk}/diff/")
    # then
    assert response.status_code == 409
    assert response.json()["code"] == "not_a_preview"


def test_runs_are_listed_newest_first_and_filtered_by_strategy(manager_client, strategy, manager):
    # given
    other = Strategy.objects.get(partner_type="sales")
    first = run_start(strategy_id=strategy.pk, actor=manager, trigger="manual", dry_run=True)
    second = run_start(strategy_id=strategy.pk, actor=manager, trigger="manual")
    run_start(strategy_id=other.pk, actor=manager, trigger="manual")
    # when
    response = manager_client.get(f"/api/v1/runs/?strategy={strategy.pk}")
    # then
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [second.pk, first.pk]
    assert all(set(row) >= RUN_KEYS for row in rows)
    assert rows[0]["version"] == strategy.current_version.number
    assert rows[0]["version_id"] == strategy.current_version_id
    assert manager_client.get("/api/v1/runs/").json()["count"] == 3
    assert manager_client.get("/api/v1/runs/?dry_run=true").json()["count"] == 1
    assert manager_client.get("/api/v1/runs/?strategy=abc").status_code == 400
    assert manager_client.get("/api/v1/runs/?status=sleeping").status_code == 400


def test_cancel_stops_a_queued_run_and_a_finished_run_is_409(manager_client, strategy, manager):
    # given
    run = run_start(strategy_id=strategy.pk, actor=manager, trigger="manual")
    # when
    cancelled = manager_client.post(f"/api/v1/runs/{run.pk}/cancel/")
    again = manager_client.post(f"/api/v1/runs/{run.pk}/cancel/")
    # then
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert again.status_code == 409
    assert again.json()["code"] == "run_finished"


# --- rule kinds ----------------------------------------------------------------------


def test_rule_kinds_describe_their_parameters(manager_client):
    # when
    response = manager_client.get("/api/v1/rule-kinds/")
    one = manager_client.get("/api/v1/rule-kinds/inactivity/")
    # then
    assert response.status_code == 200
    kinds = {row["kind"]: row for row in response.json()["results"]}
    assert {"inactivity", "review_cadence", "health_score"} <= set(kinds)
    assert one.status_code == 200
    assert one.json()["label"] == "Inactivity"
    days = next(param for param in one.json()["params"] if param["name"] == "days")
    assert (days["type"], days["min"], days["max"], days["required"]) == ("int", 7, 730, True)
    assert manager_client.get("/api/v1/rule-kinds/telepathy/").status_code == 404


# --- permissions ---------------------------------------------------------------------


def test_an_analyst_reads_but_cannot_write(analyst_client, strategy, manager):
    # given
    run = run_start(strategy_id=strategy.pk, actor=manager, trigger="manual", dry_run=True)
    versions = strategy.versions.count()
    # when
    responses = [
        analyst_client.post("/api/v1/strategies/", new_strategy_body()),
        analyst_client.patch(f"/api/v1/strategies/{strategy.pk}/", {"rules": INACTIVITY, "is_active": False}),
        analyst_client.post(f"/api/v1/strategies/{strategy.pk}/preview/"),
        analyst_client.post(f"/api/v1/strategies/{strategy.pk}/run/"),
        analyst_client.post(f"/api/v1/runs/{run.pk}/cancel/"),
    ]
    # then
    assert [response.status_code for response in responses] == [403] * 5
    assert analyst_client.get(f"/api/v1/strategies/{strategy.pk}/").status_code == 200
    assert Strategy.objects.count() == 6
    assert strategy.versions.count() == versions
    assert Strategy.objects.get(pk=strategy.pk).is_active
    assert list(StrategyRun.objects.values_list("pk", "status")) == [(run.pk, "queued")]


def test_anonymous_callers_are_401_and_non_staff_403_for_lists_and_404_for_objects(api_client, strategy):
    # when
    anonymous = [api_client.get(url).status_code for url in ("/api/v1/strategies/", "/api/v1/runs/")]
    api_client.force_authenticate(UserFactory(is_staff=False))
    outsider = [api_client.get(url).status_code for url in ("/api/v1/strategies/", "/api/v1/rule-kinds/")]
    objects = [
        api_client.get(f"/api/v1/strategies/{strategy.pk}/").status_code,
        api_client.get("/api/v1/rule-kinds/inactivity/").status_code,
        api_client.post(f"/api/v1/strategies/{strategy.pk}/run/").status_code,
    ]
    # then: strategies, runs and rule kinds are staff-only; to anyone else one of them does not exist
    assert anonymous == [401, 401]
    assert outsider == [403, 403]
    assert objects == [404, 404, 404]
    assert not StrategyRun.objects.exists()


# --- query counts --------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 20])
def test_strategy_list_query_count_is_flat(manager_client, manager, rows, django_assert_max_num_queries):
    # given: six seeded strategies, more created up to 20
    for number in range(14):
        manager_client.post("/api/v1/strategies/", new_strategy_body(name=f"Strategy {number}"))
    # when: count and one page with the current versions joined
    with django_assert_max_num_queries(2):
        response = manager_client.get(f"/api/v1/strategies/?page_size={rows}")
    # then
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [1, 20])
def test_run_list_query_count_is_flat(manager_client, strategy, manager, rows, django_assert_max_num_queries):
    # given
    for _ in range(rows):
        run_start(strategy_id=strategy.pk, actor=manager, trigger="manual", dry_run=True)
    # when: count and one page with strategy and version joined
    with django_assert_max_num_queries(2):
        response = manager_client.get("/api/v1/runs/?page_size=20")
    # then
    assert len(response.json()["results"]) == rows


def test_preview_of_a_draft_through_the_api_publishes_nothing(manager_client, django_capture_on_commit_callbacks):
    # given
    from programs.strategies.models import Strategy

    strategy = Strategy.objects.get(partner_type="business")
    versions = strategy.versions.count()
    draft = [{"kind": "inactivity", "params": {"days": 45}, "scope": {}}]
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(f"/api/v1/strategies/{strategy.pk}/preview/", {"rules": draft}, format="json")
    bad = manager_client.post(
        f"/api/v1/strategies/{strategy.pk}/preview/", {"rules": [{"kind": "telepathy"}]}, format="json"
    )
    # then
    assert response.status_code == 202
    assert response.json()["draft"] == draft
    assert response.json()["dry_run"] is True
    assert bad.status_code == 400
    assert "rules" in bad.json()
    assert strategy.versions.count() == versions
