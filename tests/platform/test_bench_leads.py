"""The lead routing bench measures the real router: the leads it writes wait for the router like
imported ones, leads_route offers them as it offers any, and the bench leaves nothing behind —
not even a moved pass."""

import pytest

from partners.models import Activity
from partners.outbox.models import Event
from prm.bench_leads import SOURCE, cleanup, passes_snapshot, write_leads
from programs.leads.models import Lead, LeadCredit, LeadOffer, LeadRouting
from programs.leads.services import leads_route
from tests.programs.leads.helpers import lead_partner, new_lead

pytestmark = pytest.mark.django_db


def test_bench_leads_are_routed_by_the_real_router_and_cleaned_up():
    # given: partners in two regions, a lead of someone else's with its pass, and 40 bench leads
    lead_partner(name="Dach", regions=["DACH"], verticals=["healthcare"])
    lead_partner(name="Americas", regions=["NA"], verticals=["retail"], country="US")
    kept = new_lead(company="Not the bench's")
    before = passes_snapshot()
    ids = write_leads(40, seed=3)
    assert Lead.objects.filter(pk__in=ids, status="routing", source=SOURCE).count() == 40
    # when
    routed = leads_route(lead_ids=ids)
    # then: every lead decided by the router, with its decision, offer and event
    assert routed == 40
    assert not Lead.objects.filter(pk__in=ids, status="routing").exists()
    assert LeadRouting.objects.filter(lead_id__in=ids).count() == 40
    offered = Lead.objects.filter(pk__in=ids, status="offered").count()
    assert offered > 0
    assert LeadOffer.objects.filter(lead_id__in=ids).count() == offered
    assert Event.objects.filter(type="lead.offered", object_id__in=[str(pk) for pk in ids]).count() == offered
    assert Activity.objects.filter(kind="lead", data__lead__in=ids).count() == offered
    assert passes_snapshot() != before
    # when
    cleanup(before)
    # then
    assert list(Lead.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not LeadRouting.objects.filter(lead_id__in=ids).exists()
    assert not LeadOffer.objects.filter(lead_id__in=ids).exists()
    assert not Event.objects.filter(object_type="lead").exclude(object_id=str(kept.pk)).exists()
    assert not Activity.objects.filter(kind="lead").exclude(data__lead=kept.pk).exists()
    assert passes_snapshot() == before and LeadCredit.objects.count() == len(before)
