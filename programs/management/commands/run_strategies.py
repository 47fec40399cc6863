from django.core.management.base import BaseCommand

from programs.strategies.models import Strategy, StrategyRun
from programs.strategies.services import run_start


class Command(BaseCommand):
    help = "Queue a live run of every active strategy (a worker carries them out)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-never-run", action="store_true", help="do nothing when any strategy has run before (for make run)"
        )

    def handle(self, *args, if_never_run: bool, **options):
        if if_never_run and StrategyRun.objects.filter(dry_run=False).exists():
            self.stdout.write("Strategies have run before; nothing queued.")
            return
        strategies = list(Strategy.objects.filter(is_active=True, current_version__isnull=False))
        for strategy in strategies:
            run_start(strategy_id=strategy.pk, actor=None, trigger=StrategyRun.Trigger.MANUAL)
        self.stdout.write(f"Queued a run of {len(strategies)} strategies; the worker carries them out.")
