"""Demo deals and leads for the demo partners (``manage.py seed_demo_pipeline``).

Written through the services, so what the pages show is what real use leaves behind: conflicts
with their evidence, history, timeline rows, events and routing decisions. Registrations are
spread over the last nine months; a few customers are registered by two partners, most approved
deals are protected, some were won, lost, rejected or extended. Leads come from the partners'
countries, most offered, some accepted or declined with a reason.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from partners.models import Partner
from prm.errors import FieldErrors
from programs.deals.models import Deal
from programs.deals.services import (
    CustomerProtected,
    deal_approve,
    deal_close,
    deal_extend,
    deal_register,
    deal_reject,
    deal_update,
    deals_expire,
)
from programs.leads.models import Lead
from programs.leads.services import lead_accept, lead_create, lead_decline

CUSTOMERS = (
    ("Northwind Traders", "northwindtraders.com"), ("Contoso Pharmaceuticals", "contoso-pharma.de"),
    ("Fabrikam Logistics", "fabrikam.co.uk"), ("Tailspin Airlines", "tailspin.aero"),
    ("Woodgrove Bank", "woodgrovebank.com"), ("Litware Health", "litware-health.fr"),
    ("Adventure Works Retail", "adventure-works.com"), ("Proseware Energy", "proseware.no"),
    ("Wide World Importers", "wideworldimporters.com"), ("Coho Vineyard", "cohovineyard.com.au"),
    ("Lucerne Publishing", "lucernepublishing.ch"), ("Margie's Travel", "margiestravel.es"),
    ("Blue Yonder Airlines", "blueyonderairlines.com"), ("Trey Research", "treyresearch.net"),
    ("Alpine Ski House", "alpineskihouse.at"), ("Graphic Design Institute", "graphicdesigninstitute.nl"),
    ("Humongous Insurance", "humongousinsurance.com"), ("Southridge Video", "southridgevideo.se"),
    ("Fourth Coffee", "fourthcoffee.co.jp"), ("City Power & Light", "citypowerlight.com.br"),
)  # fmt: skip
PRODUCTS = ("Cloud Suite", "Analytics", "Security Pack", "Support Plus", "Edge Devices", "Data Platform")
CURRENCIES = ("EUR", "EUR", "USD", "USD", "GBP", "CHF")
SOURCES = ("web", "event", "webinar", "referral", "campaign")
DECLINE_REASONS = ("Outside our focus this quarter", "No capacity in that region", "Customer already served")


@dataclass(frozen=True)
class PipelineResult:
    deals: int
    conflicts: int
    leads: int
    existing: int | None = None


def demo_pipeline_seed(*, deals: int, leads: int, seed: int = 1, if_empty: bool = False) -> PipelineResult:
    """Register ``deals`` deals and create ``leads`` leads for the demo partners, deterministically
    for a seed; with ``if_empty``, nothing when any deal exists already."""
    if if_empty and Deal.objects.exists():
        return PipelineResult(0, 0, 0, existing=Deal.objects.count())
    chance = random.Random(seed)  # noqa: S311 (demo data, not a secret)
    sellers = list(
        Partner.objects.filter(status__in=["active", "onboarding"], type__in=["sales", "channel", "technology"])
        .select_related("owner")
        .order_by("pk")[:400]
    )
    now = timezone.now()
    registered = conflicts = 0
    for number in range(deals if sellers else 0):
        company, domain = chance.choice(CUSTOMERS)
        company, domain = f"{company} {number}", domain.replace(".", f"-{number}.", 1)
        when = now - timedelta(days=chance.randint(1, 270), hours=chance.randint(0, 23))
        # one customer in eight is contested: another partner registers it a day later
        rivals = chance.sample(sellers, 2 if chance.random() < 0.125 and len(sellers) > 1 else 1)
        made = []
        for offset, partner in enumerate(rivals):
            try:
                made.append((partner, _register(partner, company, domain, when + timedelta(days=offset), chance)))
            except CustomerProtected:
                continue
        for partner, deal in made:
            registered += 1
            conflicts += deal.conflicts.count()
            try:
                _decide(deal, partner, chance, when + timedelta(days=len(made)))
            except (CustomerProtected, FieldErrors):
                continue  # the other registration won the customer: this one waits
    for partner in Partner.objects.filter(users__isnull=False, status="active").distinct().order_by("pk")[:3]:
        registered += _featured(partner, chance, now)  # the demo partner logins see deals of their own
    deals_expire()  # what the hourly job would have done to the older registrations by now
    return PipelineResult(registered, conflicts, _leads(leads, chance, sellers))


def _register(partner: Partner, company: str, domain: str, when, chance: random.Random) -> Deal:
    return deal_register(
        partner_id=partner.pk,
        actor=None,
        customer_company=company,
        customer_domain=f"https://www.{domain}/",
        contact_name=chance.choice(("Alex Weber", "Sam Carter", "Noor Haddad", "Lea Moreau", "Kenji Sato")),
        contact_email=f"buyer@{domain}",
        amount=str(chance.choice((8, 15, 25, 40, 60, 120, 250)) * 1000),
        currency=chance.choice(CURRENCIES),
        expected_close_on=(when + timedelta(days=chance.randint(30, 200))).date(),
        products=chance.sample(PRODUCTS, chance.randint(1, 3)),
        now=when,
    )


def _featured(partner: Partner, chance: random.Random, now) -> int:
    """Three registrations of a partner that has logins: one approved and protected, one waiting
    for approval, one won — so its portal shows each state."""
    made = []
    for number, (company, domain) in enumerate(chance.sample(CUSTOMERS, 3)):
        when = now - timedelta(days=10 + 20 * number)
        try:
            made.append(_register(partner, f"{company} Group", domain.replace(".", "-group.", 1), when, chance))
        except CustomerProtected:
            continue
    manager = partner.owner
    for index, deal in enumerate(made):
        if manager is None or index == 1:
            continue  # waiting in the approval queue
        deal = deal_approve(deal_id=deal.pk, actor=manager, now=deal.created_at + timedelta(days=1))
        if index == 2:
            deal_close(deal_id=deal.pk, actor=None, won=True, amount=deal.amount, closed_on=timezone.localdate())
    return len(made)


def _decide(deal: Deal, partner: Partner, chance: random.Random, when) -> None:
    """What a manager and the partner did with the registration since: most approved, some
    rejected, some left waiting; approved ones move stages, a few are won, lost or extended."""
    roll, manager = chance.random(), partner.owner
    if roll < 0.15 or manager is None:
        return  # waiting in the approval queue
    decided = when + timedelta(days=chance.randint(1, 4))
    if decided > timezone.now():
        return
    if roll < 0.25:
        deal_reject(deal_id=deal.pk, actor=manager, reason="The customer buys directly from us.", now=decided)
        return
    deal = deal_approve(deal_id=deal.pk, actor=manager, now=decided)
    if not deal.is_protected():
        return
    deal_update(deal_id=deal.pk, actor=None, stage=chance.choice(Deal.Stage.values))
    outcome = chance.random()
    if outcome < 0.3:
        deal_close(deal_id=deal.pk, actor=None, won=True, amount=deal.amount, closed_on=timezone.localdate())
    elif outcome < 0.42:
        deal_close(deal_id=deal.pk, actor=None, won=False)
    elif outcome < 0.47:
        deal_extend(deal_id=deal.pk, actor=manager, reason="Procurement moved to next quarter.")


def _leads(count: int, chance: random.Random, sellers: list[Partner]) -> int:
    countries = sorted({str(partner.country) for partner in sellers if partner.country}) or ["DE"]
    verticals = sorted({vertical for partner in sellers for vertical in partner.verticals}) or [None]
    manager = next((partner.owner for partner in sellers if partner.owner), None)
    made = 0
    for number in range(count):
        company, domain = chance.choice(CUSTOMERS)
        lead = lead_create(
            actor=manager,
            company=f"{company} Prospect {number}",
            country=chance.choice(countries),
            vertical=chance.choice(verticals),
            contact_name=chance.choice(("Ida Berg", "Omar Farouk", "Julia Rossi", "Ben Cohen")),
            contact_email=f"info{number}@{domain}",
            size=chance.choice(Lead.Size.values),
            source=chance.choice(SOURCES),
        )
        made += 1
        if lead.status != Lead.Status.OFFERED:
            continue
        roll = chance.random()
        if roll < 0.35:
            lead_accept(lead_id=lead.pk, partner_id=lead.partner_id, actor=None)
        elif roll < 0.5:
            lead_decline(lead_id=lead.pk, partner_id=lead.partner_id, actor=None, reason=chance.choice(DECLINE_REASONS))
    return made
