"""Tier benefits feed the other slices: deal protection days and lead routing weights."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from programs.deals.services import deal_approve, deal_register
from programs.leads.models import LeadRouting
from programs.tiers.models import Membership, Program, Tier
from tests.partners.factories import PartnerFactory
from tests.programs.leads.helpers import lead_partner, new_lead

pytestmark = pytest.mark.django_db


def _member(partner, **benefits) -> Membership:
    program = Program.objects.get_or_create(
        slug="channel-program", defaults={"name": "Channel", "partner_types": ["channel", "sales"]}
    )[0]
    rank = program.tiers.count() + 1
    tier = Tier.objects.create(program=program, name=f"Tier {rank}", rank=rank, **benefits)
    return Membership.objects.create(partner=partner, program=program, tier=tier, since=date.today())


def _register(partner):
    return deal_register(
        partner_id=partner.pk, actor=None, customer_company=f"Acme {partner.pk}",
        customer_domain=f"acme{partner.pk}.com", amount="1000", currency="EUR",
        expected_close_on=date.today() + timedelta(days=30), products=[],
    )  # fmt: skip


def test_a_tier_with_deal_protection_days_overrides_the_partner_type(manager):
    # given a sales partner (90 days by type) at a tier giving 150, and one in no program
    gold = PartnerFactory(type="sales", status="active")
    _member(gold, deal_protection_days=150)
    plain = PartnerFactory(type="sales", status="active")
    now = timezone.now()
    # when
    protected = deal_approve(deal_id=_register(gold).pk, actor=manager, now=now)
    default = deal_approve(deal_id=_register(plain).pk, actor=manager, now=now)
    # then
    assert protected.protected_until == now + timedelta(days=150)
    assert default.protected_until == now + timedelta(days=90)


def test_a_tier_without_the_benefit_keeps_the_type_default(manager):
    partner = PartnerFactory(type="sales", status="active")
    _member(partner, discount_percent=10)
    now = timezone.now()
    assert deal_approve(deal_id=_register(partner).pk, actor=manager, now=now).protected_until == now + timedelta(90)


def test_a_tier_lead_weight_overrides_the_engagement_weight_in_routing():
    # given the only candidate for a German healthcare lead, collaborative (weight 2 by default), at a tier weighing 7
    partner = lead_partner(verticals=["healthcare"])
    _member(partner, lead_weight=7)
    # when
    lead = new_lead()
    # then
    routing = LeadRouting.objects.get(lead=lead)
    assert routing.pool["candidates"] == [{"partner": partner.pk, "weight": 7, "pass": 0}]
