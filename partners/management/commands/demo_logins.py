from django.core.management.base import BaseCommand

from partners.roles import Role
from partners.services import staff_user_ensure

DEMO_PASSWORD = "openprm-demo"  # noqa: S105 (printed by `make run`; for the local demo only)
DEMO_LOGINS = [
    ("admin@openprm.local", "Ada Admin", Role.ADMIN),
    ("maria@openprm.local", "Maria Manager", Role.MANAGER),
    ("tom@openprm.local", "Tom Manager", Role.MANAGER),
]


class Command(BaseCommand):
    help = "Create the demo logins (one admin, two partner managers) when they are missing."

    def handle(self, *args, **options):
        for email, name, role in DEMO_LOGINS:
            _, created = staff_user_ensure(email=email, name=name, role=role, password=DEMO_PASSWORD)
            self.stdout.write(f"  {role:<8} {email:<24} {DEMO_PASSWORD if created else '(existing, unchanged)'}")
