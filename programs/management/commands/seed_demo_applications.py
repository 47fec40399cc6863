from django.core.management.base import BaseCommand

from programs.applications.demo import demo_applications_seed


class Command(BaseCommand):
    help = (
        "Add demo partner applications (waiting, in review, rejected, duplicates) through the same "
        "service as the public Become a partner page."
    )

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="do nothing when any application exists")

    def handle(self, *args, if_empty, **options):
        sent = demo_applications_seed(if_empty=if_empty)
        self.stdout.write(f"Sent {sent} demo applications." if sent else "Nothing to do: applications exist already.")
