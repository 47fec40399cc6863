from django.core.management.base import BaseCommand, CommandError

from programs.certifications.demo import demo_certifications_seed
from programs.demo import demo_pipeline_seed
from programs.onboarding.demo import onboarding_demo_seed


class Command(BaseCommand):
    help = (
        "Add demo deal registrations, leads and certifications for the demo partners, through the same services the "
        "portal and the API use (conflicts, history, routing decisions and events included). The same "
        "--seed gives the same data on the same partners."
    )

    def add_arguments(self, parser):
        parser.add_argument("--deals", type=int, default=240, help="how many registrations to try (default 240)")
        parser.add_argument("--leads", type=int, default=60, help="how many leads to create (default 60)")
        parser.add_argument("--seed", type=int, default=1, help="the random seed (default 1)")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when any deal exists (for `make run`)")

    def handle(self, *args, deals, leads, seed, if_empty, **options):
        if not (0 <= deals <= 100_000 and 0 <= leads <= 100_000):
            raise CommandError("--deals and --leads must be between 0 and 100,000.")
        onboarding = onboarding_demo_seed()
        self.stdout.write(
            f"Agreements: {onboarding.agreements} published; onboarding checklists: {onboarding.checklists} "
            f"created, {onboarding.started:,} started for partners onboarding."
        )
        result = demo_pipeline_seed(deals=deals, leads=leads, seed=seed, if_empty=if_empty)
        certified = demo_certifications_seed(seed=seed, if_empty=if_empty)
        if certified:
            self.stdout.write(f"Recorded {certified:,} certifications of the partners' contacts.")
        if result.existing is not None:
            self.stdout.write(f"Nothing to do: {result.existing:,} deals exist already (--if-empty).")
            return
        self.stdout.write(
            f"Registered {result.deals:,} deals ({result.conflicts:,} overlaps flagged) and created "
            f"{result.leads:,} leads."
        )
