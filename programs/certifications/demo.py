"""Demo certifications (``manage.py seed_demo_pipeline``): a definition per vertical, and
certifications of the demo partners' contacts in their verticals, recorded, verified and rejected
through the services, so the pages, the partner page's panel, the strategy rules and the tier
requirements have something real to read. Earned over the last 30 months with a 24-month validity:
some have expired, some expire soon."""

from __future__ import annotations

import random
from datetime import timedelta

from django.db.models import Prefetch
from django.utils import timezone

from partners.models import Contact, Partner, Vertical
from prm.errors import FieldErrors
from programs.certifications.models import Certification, CertificationDefinition
from programs.certifications.services import certification_record, certification_reject, certification_verify

VALIDITY_MONTHS = 24


def demo_certifications_seed(*, seed: int = 1, if_empty: bool = False, partners: int = 400) -> int:
    """The definitions (one per vertical, kept if they exist) and certifications of up to three
    contacts of each of ``partners`` selling partners: most verified by the partner's owner, a few
    rejected, the rest waiting. Deterministic for a seed; with ``if_empty``, nothing when any
    certification exists. Returns how many certifications were recorded."""
    if if_empty and Certification.objects.exists():
        return 0
    chance = random.Random(seed)  # noqa: S311 (demo data, not a secret)
    definitions = {}
    for vertical in Vertical.objects.order_by("slug"):
        definitions[vertical.slug], _ = CertificationDefinition.objects.get_or_create(
            name=f"{vertical.name} specialist",
            defaults={"vertical": vertical, "validity_months": VALIDITY_MONTHS},
        )
    today = timezone.localdate()
    sellers = (
        Partner.objects.filter(status__in=["active", "onboarding"], type__in=["sales", "channel", "technology"])
        .exclude(verticals=[])
        .select_related("owner")
        .prefetch_related(Prefetch("contacts", queryset=Contact.objects.order_by("pk")))
        .order_by("pk")[:partners]
    )
    recorded = 0
    for partner in sellers:
        for contact in list(partner.contacts.all())[:3]:
            if chance.random() < 0.35:
                continue
            definition = definitions.get(chance.choice(partner.verticals))
            if definition is None:
                continue
            try:
                certification = certification_record(
                    partner_id=partner.pk, actor=None, contact_id=contact.pk, definition_id=definition.pk,
                    earned_on=today - timedelta(days=chance.randint(20, 900)),
                )  # fmt: skip
            except FieldErrors:
                continue  # the same certification earned the same day: once is enough
            recorded += 1
            if partner.owner is None:
                continue
            roll = chance.random()
            if roll < 0.8:
                certification_verify(certification_id=certification.pk, actor=partner.owner)
            elif roll < 0.87:
                certification_reject(
                    certification_id=certification.pk, actor=partner.owner, reason="The certificate is not legible."
                )
    return recorded
