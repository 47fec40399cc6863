"""Programs, tiers and memberships written straight to the database (tests of writes go through
programs.tiers.services and programs.tiers.editing)."""

import factory
from django.utils import timezone

from programs.tiers.models import Membership, Program, Tier
from tests.partners.factories import PartnerFactory


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    name = factory.Sequence(lambda n: f"Program {n}")
    slug = factory.Sequence(lambda n: f"program-{n}")
    partner_types = factory.LazyFunction(lambda: ["channel"])
    currency = "EUR"


class TierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tier

    program = factory.SubFactory(ProgramFactory)
    name = factory.Sequence(lambda n: f"Tier {n}")
    rank = factory.Sequence(lambda n: n + 1)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    partner = factory.SubFactory(PartnerFactory)
    tier = factory.SubFactory(TierFactory)
    program = factory.SelfAttribute("tier.program")
    since = factory.LazyFunction(timezone.localdate)


def ladder(program=None, **program_fields):
    """A channel program with Registered (nothing asked), Silver and Gold (health score 60 and 80,
    Gold also 2 healthcare-certified people and a signed agreement)."""
    program = program or ProgramFactory(**program_fields)
    registered = TierFactory(program=program, name="Registered", rank=1)
    silver = TierFactory(program=program, name="Silver", rank=2, min_health_score=60, discount_percent=10)
    gold = TierFactory(
        program=program, name="Gold", rank=3, min_health_score=80, min_certified={"healthcare": 2},
        requires_agreement=True, discount_percent=20, mdf_per_quarter=5000, deal_protection_days=120, lead_weight=300,
    )  # fmt: skip
    return program, registered, silver, gold
