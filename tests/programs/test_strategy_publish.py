"""Strategies are data: six defaults, versions published after validation, never edited."""

from importlib import import_module

import pytest
from django.apps import apps as django_apps

from prm.errors import FieldErrors
from programs.strategies.models import Strategy, StrategyVersion
from programs.strategies.rules import build_rules
from programs.strategies.services import strategy_publish, strategy_update

pytestmark = pytest.mark.django_db

SEEDED = import_module("programs.migrations.0002_default_strategies").DEFAULTS
ASK_PARTNERS_NOTE = import_module("programs.migrations.0007_default_strategies_ask_partners").NOTE
READ_DEALS = import_module("programs.migrations.0020_default_strategies_read_deals")
REVIEW_TIERS = import_module("programs.migrations.0024_default_strategies_tier_evaluation")
CERTIFICATIONS = import_module("programs.migrations.0025_certifications")


def asking_partners(rule: dict) -> dict:
    """A seeded rule as 0007 published it: review cadence and document compliance ask partners."""
    if rule["kind"] in ("review_cadence", "document_compliance"):
        return {**rule, "params": {**rule["params"], "ask_partner": True}}
    return rule


def test_the_six_default_strategies_are_seeded_one_per_type_with_valid_rules():
    # given: version 1 as 0002 seeded it, version 2 as 0007 published it, and for sales and channel
    # version 3 as 0020 published it; for sales, channel and technology the tier review 0024 published,
    # and for channel the certification rules 0025 published
    seeded = {name: (partner_type, note, rules) for name, partner_type, _, note, rules in SEEDED}
    # when
    strategies = list(Strategy.objects.select_related("current_version"))
    # then
    assert sorted(s.partner_type for s in strategies) == sorted(
        ["business", "financial", "technology", "sales", "channel", "support"]
    )
    assert sorted(s.name for s in strategies) == sorted(seeded)
    for strategy in strategies:
        partner_type, note, rules = seeded[strategy.name]
        assert strategy.partner_type == partner_type
        reads_deals = strategy.name in READ_DEALS.NOTES
        reviews_tiers = strategy.name in REVIEW_TIERS.NOTES
        reads_certifications = strategy.name == "Channel partners"
        numbers = list(range(1, 3 + reads_deals + reviews_tiers + reads_certifications))
        assert list(strategy.versions.order_by("number").values_list("number", flat=True)) == numbers
        first = strategy.versions.get(number=1)
        assert (first.rules, first.note, first.author) == (rules, note, None)
        second = strategy.versions.get(number=2)
        assert second.rules == [asking_partners(rule) for rule in rules]
        assert any(rule["params"].get("ask_partner") is True for rule in second.rules), strategy.name
        assert (second.note, second.author) == (ASK_PARTNERS_NOTE, None)
        current = strategy.current_version
        assert current.number == numbers[-1]
        if reads_deals:
            third = strategy.versions.get(number=3)
            assert third.rules == READ_DEALS._with_deals(strategy.name, second.rules)
            assert third.note == READ_DEALS.NOTES[strategy.name]
        if reviews_tiers:
            review = strategy.versions.get(number=3 + reads_deals)
            before = strategy.versions.get(number=review.number - 1)
            assert review.rules == [*before.rules, REVIEW_TIERS.REVIEWS[strategy.name]]
            assert review.note == REVIEW_TIERS.NOTES[strategy.name]
        if reads_certifications:
            assert current.rules == [*review.rules, CERTIFICATIONS.COVERAGE, CERTIFICATIONS.EXPIRY]
            assert (current.note, current.author) == (CERTIFICATIONS.NOTE, None)
        built, errors = build_rules(current.rules)
        assert errors == {}, (strategy.name, errors)
        assert built


def test_the_certification_rules_are_added_once_and_never_over_a_version_a_person_published(admin_user):
    # given: the channel strategy as the migrations left it
    channel = Strategy.objects.select_related("current_version").get(name="Channel partners")
    before = channel.current_version.number
    # when: the migration's step runs again
    CERTIFICATIONS.add_certification_rules(django_apps, None)
    # then: nothing new
    channel.refresh_from_db()
    assert channel.current_version.number == before
    # given: a person publishes a version without them
    rules = [rule for rule in channel.current_version.rules if not rule["kind"].startswith("certification_")]
    strategy_publish(strategy_id=channel.pk, actor=admin_user, rules=rules, note="Without certifications")
    channel.refresh_from_db()
    published = channel.current_version.number
    # when
    CERTIFICATIONS.add_certification_rules(django_apps, None)
    # then: the person's version stays current
    channel.refresh_from_db()
    assert channel.current_version.number == published


def test_financial_reviews_depend_on_engagement_depth():
    # when
    rules = Strategy.objects.get(partner_type="financial").current_version.rules
    # then
    scopes = {rule["params"].get("review_kind"): rule["scope"] for rule in rules if rule["kind"] == "review_cadence"}
    assert scopes == {
        "strategy_review": {"engagement": ["strategic"]},
        "business_review": {"engagement": ["arms_length"]},
    }


def test_publishing_creates_the_next_version_and_keeps_the_old_one(manager):
    # given
    strategy = Strategy.objects.get(partner_type="business")
    first = strategy.current_version
    rules = [{"kind": "inactivity", "params": {"days": 60}, "scope": {}}]
    # when
    version = strategy_publish(strategy_id=strategy.pk, actor=manager, rules=rules, note="tighter")
    # then
    strategy.refresh_from_db()
    assert version.number == first.number + 1
    assert strategy.current_version == version
    assert StrategyVersion.objects.get(pk=first.pk).rules == first.rules
    assert version.author == manager


@pytest.mark.parametrize(
    ("rules", "path"),
    [
        ([{"kind": "telepathy", "params": {}, "scope": {}}], ("0", "kind")),
        ([{"kind": "inactivity", "params": {}, "scope": {}}], ("0", "params")),
        ([{"kind": "inactivity", "params": {"days": 3}, "scope": {}}], ("0", "params")),
        ([{"kind": "inactivity", "params": {"days": 30}, "scope": {"regions": ["MOON"]}}], ("0", "scope")),
        ([{"kind": "inactivity", "params": {"days": 30}, "scope": {"verticals": ["space"]}}], ("0", "scope")),
    ],
)
def test_invalid_rules_are_refused_with_field_errors_and_publish_nothing(manager, rules, path):
    # given
    strategy = Strategy.objects.get(partner_type="sales")
    versions = strategy.versions.count()
    # when
    with pytest.raises(FieldErrors) as refused:
        strategy_publish(strategy_id=strategy.pk, actor=manager, rules=rules)
    # then
    errors = refused.value.errors["rules"]
    assert path[1] in errors[path[0]]
    assert strategy.versions.count() == versions


def test_a_strategy_needs_a_rule(manager):
    # given
    strategy = Strategy.objects.get(partner_type="sales")
    versions = strategy.versions.count()
    # when / then
    with pytest.raises(FieldErrors):
        strategy_publish(strategy_id=strategy.pk, actor=manager, rules=[])
    assert strategy.versions.count() == versions


def test_scope_and_schedule_are_validated(manager):
    # given
    strategy = Strategy.objects.get(partner_type="channel")
    # when / then
    with pytest.raises(FieldErrors) as refused:
        strategy_update(strategy_id=strategy.pk, actor=manager, scope_regions=["MOON"])
    assert "regions" in refused.value.errors["scope"]
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        strategy_update(strategy_id=strategy.pk, actor=manager, schedule="61 3 * * *")
    updated = strategy_update(
        strategy_id=strategy.pk, actor=manager, scope_regions=["EMEA"], scope_verticals=["healthcare"]
    )
    assert (updated.scope_regions, updated.scope_verticals) == (["EMEA"], ["healthcare"])


def test_sales_and_channel_strategies_coach_quiet_partners_and_read_win_rates_from_deals():
    # when
    sales = Strategy.objects.get(partner_type="sales").current_version.rules
    channel = Strategy.objects.get(partner_type="channel").current_version.rules
    # then
    pipeline = {
        name: [(rule["params"]["metric"], rule["params"]["operator"], rule["params"]["value"]) for rule in rules
               if rule["kind"] == "pipeline_metric"]
        for name, rules in (("sales", sales), ("channel", channel))
    }  # fmt: skip
    assert pipeline == {
        "sales": [("days_since_last_deal", "gte", 90), ("win_rate_pct", "lt", 20)],
        "channel": [("days_since_last_deal", "gte", 90), ("lead_sla_breaches", "gte", 3)],
    }
    assert not any(rule["kind"] == "metric_threshold" and rule["params"]["metric"] == "win_rate_pct" for rule in sales)


def test_the_deals_migration_leaves_edited_strategies_alone_and_runs_once(manager):
    # given: the sales strategy edited by a manager since
    sales = Strategy.objects.get(partner_type="sales")
    strategy_publish(
        strategy_id=sales.pk, actor=manager, rules=[{"kind": "inactivity", "params": {"days": 45}, "scope": {}}]
    )
    before = {strategy.pk: strategy.current_version_id for strategy in Strategy.objects.all()}
    # when: the migration runs again
    READ_DEALS.read_deals(django_apps, None)
    # then: nothing is published again, and the edited strategy keeps its own rules
    assert {strategy.pk: strategy.current_version_id for strategy in Strategy.objects.all()} == before
    sales.refresh_from_db()
    assert [rule["kind"] for rule in sales.current_version.rules] == ["inactivity"]


def test_sales_and_channel_strategies_review_tiers_quarterly_once(manager):
    # given the defaults as migrated
    review = {
        "kind": "tier_evaluation",
        "params": {"program": "channel-partner-program", "every_days": 91},
        "scope": {},
    }
    for partner_type in ("sales", "channel"):
        assert review in Strategy.objects.get(partner_type=partner_type).current_version.rules
    assert not any(
        r["kind"] == "tier_evaluation" for r in Strategy.objects.get(partner_type="support").current_version.rules
    )
    before = {strategy.pk: strategy.current_version_id for strategy in Strategy.objects.all()}
    # when the migration runs again, nothing is published again
    REVIEW_TIERS.review_tiers(django_apps, None)
    assert {strategy.pk: strategy.current_version_id for strategy in Strategy.objects.all()} == before
