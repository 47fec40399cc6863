from django.core.management.base import BaseCommand

from partners.models import Partner
from partners.roles import Role
from partners.services import login_ensure

DEMO_PASSWORD = "openprm-demo"  # noqa: S105 (printed by `make run`; for the local demo only)
DEMO_LOGINS = [
    ("admin@openprm.local", "Ada Admin", Role.ADMIN),
    ("maria@openprm.local", "Maria Manager", Role.MANAGER),
    ("tom@openprm.local", "Tom Manager", Role.MANAGER),
]
DEMO_PARTNER_LOGINS = [
    ("pat@partner.openprm.local", "Pat Partner-Admin", Role.PARTNER_ADMIN),
    ("mo@partner.openprm.local", "Mo Partner-Member", Role.PARTNER_MEMBER),
]


def demo_partner() -> Partner | None:
    """The partner the demo partner logins belong to: the first active one (by name) that Maria
    manages, so the manager's and the partner's view of it can be compared; None before seeding."""
    partners = Partner.objects.filter(status=Partner.Status.ACTIVE).order_by("name", "id")
    return partners.filter(owner__email="maria@openprm.local").first() or partners.first()


class Command(BaseCommand):
    help = (
        "Create the demo logins when they are missing: one admin and two partner managers, or with "
        "--partner a partner admin and a partner member of a seeded partner."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--partner", action="store_true", help="Create the partner logins (run after seed_demo) instead."
        )

    def handle(self, *args, **options):
        partner = None
        logins = DEMO_LOGINS
        if options["partner"]:
            partner = demo_partner()
            if partner is None:
                self.stdout.write("  no active partner yet: run seed_demo first for the partner logins")
                return
            logins = DEMO_PARTNER_LOGINS
        for email, name, role in logins:
            _, created = login_ensure(email=email, name=name, role=role, password=DEMO_PASSWORD, partner=partner)
            at = f"  at {partner.name}" if partner is not None and created else ""
            self.stdout.write(f"  {role:<14} {email:<27} {DEMO_PASSWORD if created else '(existing, unchanged)'}{at}")
