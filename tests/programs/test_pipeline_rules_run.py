"""The default sales strategy acts on what partners' deals say, through a real run: a quiet
partner gets a coaching task, a partner losing most of its deals an alert, and a busy one neither."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from programs.deals.models import Deal
from programs.strategies.models import Outcome, Strategy, StrategyRun
from programs.strategies.services import run_start
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db


def _deal(partner, *, days_ago: int, state: str = "submitted", closed_days_ago: int | None = None) -> Deal:
    created = timezone.now() - timedelta(days=days_ago)
    return Deal.objects.create(
        partner=partner, customer_company="Acme", company_key="acme", customer_domain="acme.com",
        amount=1000, currency="EUR", expected_close_on=date.today() + timedelta(days=30), state=state,
        created_at=created, closed_on=date.today() - timedelta(days=closed_days_ago) if closed_days_ago else None,
        closed_amount=1000 if state == "won" else None,
    )  # fmt: skip


def test_the_sales_strategy_coaches_quiet_partners_and_alerts_on_a_low_win_rate(
    manager, django_capture_on_commit_callbacks
):
    # given: a sales partner that never registered a deal (joined 200 days ago), one whose last
    # registration is 100 days old, one that lost 5 of 6 deals recently, and a busy winner
    now = timezone.now()
    never = PartnerFactory(type="sales", status="active", last_activity_at=now)
    type(never).objects.filter(pk=never.pk).update(created_at=now - timedelta(days=200))
    quiet = PartnerFactory(type="sales", status="active", last_activity_at=now)
    _deal(quiet, days_ago=100)
    losing = PartnerFactory(type="sales", status="active", last_activity_at=now)
    for index in range(6):
        _deal(losing, days_ago=40, state="won" if index == 0 else "lost", closed_days_ago=10)
    busy = PartnerFactory(type="sales", status="active", last_activity_at=now)
    for _ in range(5):
        _deal(busy, days_ago=20, state="won", closed_days_ago=5)
    strategy = Strategy.objects.get(partner_type="sales")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        started = run_start(strategy_id=strategy.pk, actor=manager, trigger="manual")
    # then
    assert StrategyRun.objects.get(pk=started.pk).status == "succeeded"
    pipeline = Outcome.objects.filter(rule_kind="pipeline_metric")
    found = sorted((outcome.partner_id, outcome.kind, outcome.title) for outcome in pipeline)
    assert found == sorted(
        [
            (never.pk, "task", "Coaching: no deal registered in 90 days"),
            (quiet.pk, "task", "Coaching: no deal registered in 90 days"),
            (losing.pk, "alert", f"Win rate below 20 % for {losing.name}"),
        ]
    )
    alert = pipeline.get(partner=losing)
    assert alert.explanation.startswith("1 of 6 closed deals won in the last 180 days (16.67 %)")
    assert not pipeline.filter(partner=busy).exists()
