"""The strategy editor: publish a new version, field errors beside their rule, scope and schedule."""

import json

import pytest

from programs.strategies.models import Strategy, StrategyVersion
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def strategy():
    return Strategy.objects.get(partner_type="business")


@pytest.fixture
def staff_client(client, manager):
    client.force_login(manager)
    return client


def test_the_editor_offers_every_rule_kind_with_its_parameter_schema(staff_client, strategy):
    # when
    response = staff_client.get(f"/strategies/{strategy.pk}/edit/")
    # then
    assert response.status_code == 200
    html = response.content.decode()
    data = json.loads(html.split('id="editor-data" type="application/json">')[1].split("</script>")[0])
    assert {"inactivity", "review_cadence", "health_score"} <= set(data["kinds"])
    assert {"type": "int", "name": "days", "required": True, "min": 7, "max": 730} in data["kinds"]["inactivity"][
        "params"
    ]
    assert json.loads(response.context["rules_json"]) == strategy.current_version.rules
    assert f"Publish version {strategy.current_version.number + 1}" in html


def test_publishing_creates_the_next_version_and_says_so(staff_client, strategy, manager):
    # given
    base = strategy.current_version.number
    rules = [{"kind": "inactivity", "params": {"days": 45}, "scope": {"engagement": ["strategic"]}}]
    # when
    response = staff_client.post(
        f"/strategies/{strategy.pk}/edit/",
        {"form": "rules", "rules": json.dumps(rules), "note": "tighter"},
        follow=True,
    )
    # then
    strategy.refresh_from_db()
    assert strategy.current_version.number == base + 1
    assert strategy.current_version.rules == rules
    assert strategy.current_version.note == "tighter"
    assert strategy.current_version.author == manager
    assert response.redirect_chain[-1][0] == f"/strategies/{strategy.pk}/"
    html = response.content.decode()
    assert f"Published version {base + 1}" in html
    assert "After 45 days" in html or "45 days" in html


def test_bad_parameters_are_shown_beside_their_rule_and_nothing_is_published(staff_client, strategy):
    # given
    versions = StrategyVersion.objects.filter(strategy=strategy).count()
    rules = [
        {"kind": "review_cadence", "params": {"every_days": 365}, "scope": {}},
        {"kind": "inactivity", "params": {"days": 3}, "scope": {"regions": ["ATLANTIS"]}},
    ]
    # when
    response = staff_client.post(f"/strategies/{strategy.pk}/edit/", {"form": "rules", "rules": json.dumps(rules)})
    # then
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was published" in html
    assert "Rule 2 (Inactivity), params days: Must be a whole number from 7 to 730." in html
    assert "Rule 2 (Inactivity), scope regions: Unknown region “ATLANTIS”." in html
    errors = response.context["editor_data"]["errors"]
    assert errors["1"]["params"]["days"] == ["Must be a whole number from 7 to 730."]
    assert "0" not in errors
    assert json.loads(response.context["rules_json"]) == rules  # the manager's input is kept
    assert StrategyVersion.objects.filter(strategy=strategy).count() == versions


def test_an_empty_or_unreadable_rule_list_is_refused(staff_client, strategy):
    versions = StrategyVersion.objects.filter(strategy=strategy).count()
    for body in ("[]", "{not json"):
        response = staff_client.post(f"/strategies/{strategy.pk}/edit/", {"form": "rules", "rules": body})
        assert response.status_code == 400
    assert StrategyVersion.objects.filter(strategy=strategy).count() == versions


def test_scope_schedule_and_active_flag_are_saved(staff_client, strategy):
    # given
    base = strategy.current_version.number
    # when
    response = staff_client.post(
        f"/strategies/{strategy.pk}/edit/",
        {"form": "settings", "name": strategy.name, "schedule": "30 6 * * 1", "scope_engagement": ["strategic"],
         "scope_regions": ["DACH"]},
        follow=True,
    )  # fmt: skip
    # then
    strategy.refresh_from_db()
    assert (strategy.schedule, strategy.is_active) == ("30 6 * * 1", False)
    assert (strategy.scope_engagement, strategy.scope_regions) == (["strategic"], ["DACH"])
    assert "Every Monday at 06:30 UTC" in response.content.decode()
    # a scope change is recorded as the next version, as through the API
    assert strategy.current_version.number == base + 1
    assert "Scope changed" in strategy.current_version.note


def test_a_bad_schedule_is_shown_on_its_field(staff_client, strategy):
    response = staff_client.post(
        f"/strategies/{strategy.pk}/edit/", {"form": "settings", "name": strategy.name, "schedule": "every day"}
    )
    assert response.status_code == 400
    assert "Five fields" in response.content.decode()
    strategy.refresh_from_db()
    assert strategy.schedule == "0 3 * * *"


def test_analysts_cannot_open_the_editor_or_publish(client, strategy):
    versions = StrategyVersion.objects.filter(strategy=strategy).count()
    client.force_login(UserFactory(role="analyst"))
    assert client.get(f"/strategies/{strategy.pk}/edit/").status_code == 403
    rules = json.dumps([{"kind": "inactivity", "params": {"days": 45}, "scope": {}}])
    assert client.post(f"/strategies/{strategy.pk}/edit/", {"form": "rules", "rules": rules}).status_code == 403
    assert StrategyVersion.objects.filter(strategy=strategy).count() == versions
