"""The six default strategies on a real worker that is killed in the middle of the run."""

import os
import signal
from datetime import timedelta

import pytest
from django.utils import timezone

from partners.models import Partner
from programs.strategies.models import Outcome, Strategy, StrategyRun
from programs.strategies.runs import _produce, run_start
from programs.strategies.selectors import strategy_partners
from tests.fixtures.worker import wait_for
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.worker
TYPES = ["business", "financial", "technology", "sales", "channel", "support"]


def _network(count: int) -> None:
    now = timezone.now()
    for index in range(count):
        PartnerFactory(
            type=TYPES[index % 6],
            status=["active", "active", "onboarding", "inactive"][index % 4],
            engagement=["arms_length", "collaborative", "strategic"][index % 3],
            last_activity_at=now - timedelta(days=(index * 7) % 400),
            created_at=now - timedelta(days=500),
        )


def _expected() -> set[tuple[int, str]]:
    """What the six strategies must produce, evaluated in this process from the same data."""
    expected = set()
    for strategy in Strategy.objects.select_related("current_version"):
        ids = list(strategy_partners(strategy=strategy).values_list("pk", flat=True))
        probe = StrategyRun(strategy=strategy, version=strategy.current_version)
        for item in _produce(probe, ids, timezone.localdate()):
            if item.draft.kind != "score":
                expected.add((strategy.pk, item.draft.dedupe))
    return expected


def test_all_six_strategies_survive_a_killed_worker_with_no_outcome_lost_or_doubled(worker):
    # given
    _network(2000)
    Partner.objects.update(created_at=timezone.now() - timedelta(days=500))
    expected = _expected()
    assert len(expected) > 500
    # when: every strategy runs; a pool process is killed with SIGKILL once chunks are flowing
    runs = [run_start(strategy_id=s.pk, actor=None, trigger="manual") for s in Strategy.objects.all()]
    wait_for(
        lambda: sum(StrategyRun.objects.filter(pk__in=[r.pk for r in runs]).values_list("chunks_done", flat=True)) >= 3,
        what="the first chunks",
    )
    victims = worker.pool_processes()
    assert victims
    os.kill(victims[0], signal.SIGKILL)
    # then
    wait_for(
        lambda: (
            set(StrategyRun.objects.filter(pk__in=[r.pk for r in runs]).values_list("status", flat=True))
            <= {"succeeded", "failed"}
        ),
        timeout=120,
        what="every run to finish",
    )
    finished = StrategyRun.objects.filter(pk__in=[r.pk for r in runs])
    assert set(finished.values_list("status", flat=True)) == {"succeeded"}
    assert all(run.partners_evaluated == run.partners_total for run in finished)
    stored = set(Outcome.objects.filter(state="open").values_list("strategy_id", "dedupe_key"))
    assert stored == expected
    assert Outcome.objects.count() == len(expected)
    assert "WorkerLostError" in worker.log() or "SIGKILL" in worker.log() or "signal 9" in worker.log()
