from django.core.management.base import BaseCommand

from programs.tiers.demo import demo_programs_seed


class Command(BaseCommand):
    help = (
        "Create the demo programs (Channel Partner Program with Registered/Silver/Gold/Platinum, Technology "
        "Alliance) and enrol every demo partner of their types; the starting tier follows the partner's id."
    )

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="do nothing when any program exists (make run)")

    def handle(self, *args, if_empty, **options):
        result = demo_programs_seed(if_empty=if_empty)
        if result.existing is not None:
            self.stdout.write(f"Nothing to do: {result.existing:,} programs exist already (--if-empty).")
            return
        self.stdout.write(f"Created {result.programs} programs; {result.members:,} memberships in all.")
