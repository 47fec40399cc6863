"""After a full live run the outcome table is analysed, so the inbox is planned for the outcomes the
run wrote and not for the table as it was before (autovacuum analyses late, or not at all)."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from programs.strategies.models import Outcome, Strategy, StrategyRun
from programs.strategies.services import run_finish, run_start, strategy_publish
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db
INACTIVITY = [{"kind": "inactivity", "params": {"days": 30}, "scope": {}}]
QUIET = 7  # a number of outcomes no other test leaves in the planner's figures


@pytest.fixture
def strategy(manager):
    """The business strategy, reduced to one easy rule: one outcome per quiet partner."""
    strategy = Strategy.objects.get(partner_type="business")
    strategy_publish(strategy_id=strategy.pk, actor=manager, rules=INACTIVITY)
    strategy.refresh_from_db()
    return strategy


@pytest.fixture
def quiet_partners(db):
    long_ago = timezone.now() - timedelta(days=90)
    return PartnerFactory.create_batch(QUIET, type="business", status="active", last_activity_at=long_ago)


def run(strategy, manager, django_capture_on_commit_callbacks, **options) -> StrategyRun:
    """Start a run and let the (eager) tasks and the after-commit work it schedules run to the end."""
    with django_capture_on_commit_callbacks(execute=True):
        started = run_start(strategy_id=strategy.pk, actor=manager, trigger="manual", **options)
    return StrategyRun.objects.get(pk=started.pk)


def _db_now():
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        return cursor.fetchone()[0]


def _statistics() -> tuple:
    """When the outcome table was last analysed, and how many rows the planner counts in it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # read the statistics as they are now
        cursor.execute(
            "SELECT pg_stat_get_last_analyze_time(c.oid), c.reltuples FROM pg_class c WHERE c.oid = %s::regclass",
            [Outcome._meta.db_table],
        )
        return cursor.fetchone()


def test_a_full_live_run_leaves_the_outcome_table_analysed(
    strategy, manager, quiet_partners, django_capture_on_commit_callbacks
):
    # given
    before = _db_now()
    # when
    result = run(strategy, manager, django_capture_on_commit_callbacks)
    # then: analysed after the run, with the run's outcomes counted
    analysed_at, rows = _statistics()
    assert (result.status, result.outcomes_created) == ("succeeded", QUIET)
    assert analysed_at is not None and analysed_at >= before
    assert rows == Outcome.objects.count() == QUIET


def test_the_table_is_analysed_once_per_run_and_only_after_a_full_live_run(
    strategy, manager, quiet_partners, django_capture_on_commit_callbacks
):
    # given
    with mock.patch("programs.strategies.services.runs.analyze") as analyze:
        # when: a preview, a run for one partner (a partner changed), then a full run
        preview = run(strategy, manager, django_capture_on_commit_callbacks, dry_run=True)
        one = run(strategy, manager, django_capture_on_commit_callbacks, partner_ids=[quiet_partners[0].pk])
        assert analyze.call_count == 0
        full = run(strategy, manager, django_capture_on_commit_callbacks)
        # a redelivered finish of the same run does nothing
        with django_capture_on_commit_callbacks(execute=True):
            again = run_finish(run_id=full.pk)
    # then
    assert [preview.status, one.status, full.status] == ["succeeded"] * 3
    assert again is False
    analyze.assert_called_once_with(Outcome)
