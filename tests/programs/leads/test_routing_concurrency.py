"""Leads routed at the same moment, on real PostgreSQL transactions: capacity and the round
robin's passes are read and written by one router at a time."""

import pytest

from partners.models import Partner
from programs.leads.models import Lead, LeadCredit, LeadPolicy, LeadWeight
from programs.leads.routing import STRIDE
from tests.fixtures.threads import race
from tests.programs.leads.helpers import lead_partner, new_lead

pytestmark = pytest.mark.django_db(transaction=True)


def test_simultaneous_leads_never_push_a_partner_past_its_capacity():
    for _ in range(3):
        # given: one partner that holds one open lead at most
        Lead.objects.all().delete()
        Partner.objects.update(status="inactive")
        LeadPolicy.objects.filter(partner_type="channel").update(capacity=1)
        partner = lead_partner()
        # when
        results = race(*[lambda n=n: new_lead(company=f"Prospect {n}") for n in range(4)])
        # then: exactly one offered to it, the others in the manual queue
        assert all(isinstance(result, Lead) for result in results), results
        assert sorted(result.status for result in results) == ["manual", "manual", "manual", "offered"]
        assert Lead.objects.filter(partner=partner, status="offered").count() == 1


def test_simultaneous_leads_share_out_as_the_weights_say():
    # given: two equal partners, capacity out of the way
    LeadPolicy.objects.update(capacity=1000)
    alpha, bravo = lead_partner(name="Alpha"), lead_partner(name="Bravo")
    # when: eight leads at once
    results = race(*[lambda n=n: new_lead(company=f"Prospect {n}") for n in range(8)])
    # then: four each, and each pass moved four strides
    assert all(isinstance(result, Lead) for result in results), results
    chosen = [result.partner_id for result in results]
    assert (chosen.count(alpha.pk), chosen.count(bravo.pk)) == (4, 4)
    passes = LeadCredit.objects.filter(partner__in=[alpha, bravo]).values_list("pass_value", flat=True)
    weight = LeadWeight.objects.filter(engagement=alpha.engagement).values_list("weight", flat=True).first() or 1
    assert list(passes) == [4 * (STRIDE // weight)] * 2
