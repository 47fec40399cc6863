from django.core.management import call_command

from programs.strategies.models import StrategyRun


def test_run_strategies_queues_one_run_per_active_strategy_once(db, capsys):
    # when
    call_command("run_strategies", "--if-never-run")
    call_command("run_strategies", "--if-never-run")
    # then
    assert StrategyRun.objects.filter(trigger="manual", dry_run=False).count() == 6
    assert "nothing queued" in capsys.readouterr().out
