"""Strategy runs: idempotent, explainable, and never stuck."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from partners.models import Partner
from programs.strategies.models import HealthScore, Outcome, PreviewEntry, RunChunk, Strategy, StrategyRun
from programs.strategies.selectors import run_diff
from programs.strategies.services import (
    chunk_evaluate,
    run_cancel,
    run_finish,
    run_plan,
    run_start,
    runs_watch,
    strategy_publish,
    strategy_update,
)
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db
INACTIVITY = [{"kind": "inactivity", "params": {"days": 30}, "scope": {}}]


@pytest.fixture
def strategy(manager):
    """The business strategy, reduced to one easy rule so the tests can count its outcomes."""
    strategy = Strategy.objects.get(partner_type="business")
    strategy_publish(strategy_id=strategy.pk, actor=manager, rules=INACTIVITY)
    strategy.refresh_from_db()
    return strategy


def quiet_partners(count: int, **fields) -> list[Partner]:
    long_ago = timezone.now() - timedelta(days=90)
    defaults = {"type": "business", "status": "active", "last_activity_at": long_ago}
    return PartnerFactory.create_batch(count, **{**defaults, **fields})


def run(strategy, manager, django_capture_on_commit_callbacks, **options) -> StrategyRun:
    """Start a run and let the (eager) tasks it enqueues after commit run to the end."""
    with django_capture_on_commit_callbacks(execute=True):
        started = run_start(strategy_id=strategy.pk, actor=manager, trigger="manual", **options)
    return StrategyRun.objects.get(pk=started.pk)


def test_a_run_creates_one_outcome_per_partner_and_rule_with_its_explanation(
    strategy, manager, django_capture_on_commit_callbacks
):
    # given
    quiet_partners(3)
    PartnerFactory(type="business", status="active", last_activity_at=timezone.now())
    # when
    result = run(strategy, manager, django_capture_on_commit_callbacks)
    # then
    assert (result.status, result.partners_total, result.partners_evaluated) == ("succeeded", 4, 4)
    assert result.outcomes_created == 3
    outcome = Outcome.objects.first()
    assert outcome.version == strategy.current_version
    assert outcome.rule_kind == "inactivity"
    assert "90 days" in outcome.explanation


def test_a_second_run_creates_nothing_twice(strategy, manager, django_capture_on_commit_callbacks):
    # given
    quiet_partners(5)
    run(strategy, manager, django_capture_on_commit_callbacks)
    # when
    again = run(strategy, manager, django_capture_on_commit_callbacks)
    # then
    assert (again.outcomes_created, again.outcomes_unchanged, again.outcomes_closed) == (0, 5, 0)
    assert Outcome.objects.count() == 5


def test_a_new_version_closes_what_no_longer_applies_with_the_reason(
    strategy, manager, django_capture_on_commit_callbacks
):
    # given
    quiet_partners(2)
    run(strategy, manager, django_capture_on_commit_callbacks)
    base = strategy.current_version.number
    strategy_publish(
        strategy_id=strategy.pk, actor=manager, rules=[{"kind": "inactivity", "params": {"days": 365}, "scope": {}}]
    )
    # when
    result = run(strategy, manager, django_capture_on_commit_callbacks)
    # then
    assert result.outcomes_closed == 2
    closed = Outcome.objects.filter(state="resolved")
    assert closed.count() == 2
    assert f"No longer produced by version {base + 1}" in closed.first().note


def test_the_strategy_scope_limits_the_partners(strategy, manager, django_capture_on_commit_callbacks):
    # given
    quiet_partners(2, regions=["DACH"])
    quiet_partners(3, regions=["JP"])
    strategy_update(strategy_id=strategy.pk, actor=manager, scope_regions=["EMEA"])
    # when
    result = run(strategy, manager, django_capture_on_commit_callbacks)
    # then
    assert result.partners_total == 2
    assert all(regions == ["DACH"] for regions in Outcome.objects.values_list("partner__regions", flat=True))


def test_other_types_and_terminated_partners_are_left_alone(strategy, manager, django_capture_on_commit_callbacks):
    # given
    quiet_partners(1)
    quiet_partners(1, type="sales")
    quiet_partners(1, status="terminated")
    # when
    result = run(strategy, manager, django_capture_on_commit_callbacks)
    # then
    assert result.partners_total == 1


def test_a_preview_changes_nothing_but_its_own_result(strategy, manager, django_capture_on_commit_callbacks):
    # given: two open outcomes today
    first, second = quiet_partners(2)
    run(strategy, manager, django_capture_on_commit_callbacks)
    before = list(Outcome.objects.order_by("pk").values_list("pk", "state", "run_id"))
    # a third quiet partner, and the second one active again
    quiet_partners(1)
    Partner.objects.filter(pk=second.pk).update(last_activity_at=timezone.now())
    # when
    preview = run(strategy, manager, django_capture_on_commit_callbacks, dry_run=True)
    # then
    assert preview.status == "succeeded"
    assert list(Outcome.objects.order_by("pk").values_list("pk", "state", "run_id")) == before
    diff = run_diff(run_id=preview.pk)
    assert [entry["partner"] for entry in diff["keep"]] == [first.pk]
    assert len(diff["create"]) == 1
    assert [entry["partner"] for entry in diff["close"]] == [second.pk]


def test_a_redelivered_chunk_changes_nothing(strategy, manager):
    # given: a run planned by hand, its chunk evaluated once
    quiet_partners(3)
    started = run_start(strategy_id=strategy.pk, actor=manager, trigger="manual")
    run_plan(run_id=started.pk)
    chunk = RunChunk.objects.get(run=started)
    assert chunk_evaluate(chunk_id=chunk.pk) is True
    # when: the same chunk is delivered again
    again = chunk_evaluate(chunk_id=chunk.pk)
    # then
    assert again is False
    assert Outcome.objects.count() == 3
    assert StrategyRun.objects.get(pk=started.pk).partners_evaluated == 3


def test_two_run_now_clicks_start_one_run(strategy, manager):
    # when
    first = run_start(strategy_id=strategy.pk, actor=manager, trigger="manual")
    second = run_start(strategy_id=strategy.pk, actor=manager, trigger="manual")
    # then
    assert first.pk == second.pk
    assert StrategyRun.objects.filter(dry_run=False).count() == 1


def test_a_cancelled_run_evaluates_no_more_chunks(strategy, manager):
    # given
    quiet_partners(2)
    started = run_start(strategy_id=strategy.pk, actor=manager, trigger="manual")
    run_plan(run_id=started.pk)
    # when
    assert run_cancel(run_id=started.pk, actor=manager) is True
    # then
    assert chunk_evaluate(chunk_id=RunChunk.objects.get(run=started).pk) is False
    assert run_finish(run_id=started.pk) is False
    assert StrategyRun.objects.get(pk=started.pk).status == "cancelled"
    assert not Outcome.objects.exists()


def test_a_run_whose_chunks_stop_reporting_is_resumed_then_failed(
    strategy, manager, django_capture_on_commit_callbacks
):
    # given: a planned run whose chunk task was lost
    quiet_partners(2)
    started = run_start(strategy_id=strategy.pk, actor=manager, trigger="manual")
    run_plan(run_id=started.pk)
    later = timezone.now() + timedelta(minutes=10)
    # when: the watchdog looks (tasks run eagerly here, so a resume finishes the run)
    with django_capture_on_commit_callbacks(execute=True):
        report = runs_watch(now=later)
    # then
    assert report == {"resumed": 1, "failed": 0}
    assert StrategyRun.objects.get(pk=started.pk).status == "succeeded"
    # given: another run whose chunk keeps failing
    strategy_publish(strategy_id=strategy.pk, actor=manager, rules=INACTIVITY)
    stuck = run_start(strategy_id=strategy.pk, actor=manager, trigger="manual")
    run_plan(run_id=stuck.pk)
    RunChunk.objects.filter(run=stuck).update(attempts=99)
    # when
    report = runs_watch(now=later + timedelta(minutes=10))
    # then
    assert report == {"resumed": 0, "failed": 1}
    assert StrategyRun.objects.get(pk=stuck.pk).status == "failed"


def test_health_scores_are_stored_per_day(manager, django_capture_on_commit_callbacks):
    # given
    strategy = Strategy.objects.get(partner_type="business")
    partner = quiet_partners(1)[0]
    # when
    run(strategy, manager, django_capture_on_commit_callbacks)
    # then
    score = HealthScore.objects.get(partner=partner, day=date.today())
    assert 0 <= score.score <= 100
    assert Partner.objects.get(pk=partner.pk).health_score == score.score


def test_an_event_run_evaluates_only_its_partners(strategy, manager, django_capture_on_commit_callbacks):
    # given
    one, _ = quiet_partners(2)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        event = run_start(strategy_id=strategy.pk, actor=None, trigger="event", partner_ids=[one.pk])
    # then
    event = StrategyRun.objects.get(pk=event.pk)
    assert event.partners_total == 1
    assert list(Outcome.objects.values_list("partner_id", flat=True)) == [one.pk]
    assert PreviewEntry.objects.count() == 0


def test_a_draft_is_previewed_without_being_published(strategy, manager, django_capture_on_commit_callbacks):
    # given: today's version asks after 30 days; one partner has been quiet for 90
    quiet_partners(1)
    run(strategy, manager, django_capture_on_commit_callbacks)
    versions = strategy.versions.count()
    draft = [{"kind": "inactivity", "params": {"days": 120}, "scope": {}}]
    # when
    preview = run(strategy, manager, django_capture_on_commit_callbacks, dry_run=True, rules=draft)
    # then: the draft would close the open outcome; nothing was published or changed
    diff = run_diff(run_id=preview.pk)
    assert (len(diff["create"]), len(diff["keep"]), len(diff["close"])) == (0, 0, 1)
    strategy.refresh_from_db()
    assert strategy.versions.count() == versions
    assert Outcome.objects.filter(state="open").count() == 1


def test_an_invalid_draft_is_refused_and_only_previews_run_drafts(strategy, manager):
    # when / then
    from prm.errors import FieldErrors

    with pytest.raises(FieldErrors):
        run_start(strategy_id=strategy.pk, actor=manager, trigger="manual", dry_run=True, rules=[{"kind": "x"}])
    with pytest.raises(ValueError):
        run_start(strategy_id=strategy.pk, actor=manager, trigger="manual", rules=INACTIVITY)
    assert not StrategyRun.objects.exists()
