from django.core.management.base import BaseCommand, CommandError

from partners.demo.generator import DEFAULT_SEED
from partners.demo.seeding import DemoDataError, demo_seed

MAX_PARTNERS = 1_000_000


class Command(BaseCommand):
    help = (
        "Add realistic demo partners with contacts and two years of timeline. The same --partners and "
        f"--seed give the same data (owners are spread over the partner managers that exist; timestamps are "
        f"relative to today). Safe to run twice: partners whose slug exists are skipped, with their contacts "
        f"and timeline. Seed {DEFAULT_SEED} gives plain slugs (helix-health-systems); any other seed S appends "
        f"-sS (helix-health-systems-s7), so several seeds can live side by side. Runs in one transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument("--partners", type=int, default=500, help="how many partners to generate (default 500)")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"the random seed (default {DEFAULT_SEED})")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when any partner exists (for `make run`)"
        )

    def handle(self, *args, partners, seed, if_empty, **options):
        if not 0 <= partners <= MAX_PARTNERS:
            raise CommandError(f"--partners must be between 0 and {MAX_PARTNERS:,}.")
        if seed < 0:
            raise CommandError("--seed must be 0 or more.")
        try:
            result = demo_seed(partners=partners, seed=seed, if_empty=if_empty)
        except DemoDataError as exc:
            raise CommandError(str(exc)) from exc
        if result.existing is not None:
            self.stdout.write(f"Nothing to do: {result.existing:,} partners exist already (--if-empty).")
            return
        skipped = f" ({result.skipped:,} skipped: slug already taken)" if result.skipped else ""
        self.stdout.write(
            f"Seeded {result.partners:,} partners, {result.contacts:,} contacts, "
            f"{result.activities:,} timeline entries in {result.seconds:.1f} s{skipped}"
        )
        self.stdout.write(
            f"Records: {result.agreements:,} agreements, {result.documents:,} documents, "
            f"{result.metrics:,} reported metrics, {result.reviews:,} reviews"
        )
