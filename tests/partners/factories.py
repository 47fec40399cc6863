"""Partners, contacts and timeline entries written straight to the database.

For reads and pages; tests of a write go through partners.services, which also writes
the timeline.
"""

import factory

from partners.models import Activity, Contact, Partner


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Faker("company")
    slug = factory.Sequence(lambda n: f"partner-{n}")
    type = Partner.Type.CHANNEL
    status = Partner.Status.ACTIVE
    engagement = Partner.Engagement.COLLABORATIVE
    country = "DE"
    regions = factory.LazyFunction(lambda: ["DACH"])
    verticals = factory.LazyFunction(lambda: ["healthcare"])
    owner = None


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    partner = factory.SubFactory(PartnerFactory)
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"contact{n}@partner.example")
    role = Contact.Role.SALES


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    partner = factory.SubFactory(PartnerFactory)
    kind = Activity.Kind.NOTE
    message = factory.Faker("sentence")
