"""The SLA job: offers not answered in time move to the next candidate, the breach is recorded
on the partner, both sides hear of it, and a double or concurrent run changes nothing twice."""

from datetime import timedelta

import pytest

from partners.models import Partner
from partners.outbox.models import Event
from programs.leads.models import Lead, LeadOffer, LeadRouting
from programs.leads.services import LeadNotOffered, lead_accept, leads_enforce_sla
from tests.fixtures.threads import race
from tests.programs.leads.helpers import lead_partner, new_lead


@pytest.mark.django_db
def test_an_unanswered_offer_goes_to_the_next_partner_and_the_breach_is_recorded():
    # given
    first, second = lead_partner(name="First"), lead_partner(name="Second")
    lead = new_lead()
    late = lead.partner_id
    later = lead.respond_by + timedelta(minutes=1)
    # when
    assert leads_enforce_sla(now=later) == 1
    # then
    lead.refresh_from_db()
    assert lead.status == "offered"
    assert lead.partner_id == ({first.pk, second.pk} - {late}).pop()
    assert lead.respond_by == later + timedelta(hours=48)
    assert list(LeadOffer.objects.filter(partner_id=late, outcome="breached").values_list("lead_id", flat=True)) == [
        lead.pk
    ]
    assert LeadRouting.objects.filter(lead=lead).values_list("trigger", flat=True).last() == "breached"
    rerouted = Event.objects.get(type="lead.rerouted")
    assert (rerouted.partner_id, rerouted.data["partner"]) == (late, late)  # names only the partner that lapsed
    assert Event.objects.filter(type="lead.offered", partner_id=lead.partner_id).count() == 1
    # and the late partner can no longer accept it
    with pytest.raises(LeadNotOffered):
        lead_accept(lead_id=lead.pk, partner_id=late, actor=None, now=later)


@pytest.mark.django_db
def test_a_second_run_changes_nothing_and_a_lead_never_returns_to_a_partner_that_lapsed():
    # given
    lead_partner(name="First"), lead_partner(name="Second")
    lead = new_lead()
    later = lead.respond_by + timedelta(minutes=1)
    leads_enforce_sla(now=later)
    # when: the same run again
    assert leads_enforce_sla(now=later) == 0
    # then
    assert LeadOffer.objects.filter(lead=lead).count() == 2
    assert Event.objects.filter(type="lead.rerouted").count() == 1
    # when: the second partner lapses too, nobody is left
    lead.refresh_from_db()
    assert leads_enforce_sla(now=lead.respond_by + timedelta(minutes=1)) == 1
    lead.refresh_from_db()
    assert (lead.status, lead.partner_id) == ("manual", None)
    assert LeadOffer.objects.filter(lead=lead, outcome="breached").count() == 2


@pytest.mark.django_db
def test_an_offer_still_in_time_and_an_accepted_lead_are_left_alone():
    partner = lead_partner()
    waiting, taken = new_lead(), new_lead(company="Taken")
    lead_accept(lead_id=taken.pk, partner_id=partner.pk, actor=None)
    assert leads_enforce_sla(now=waiting.respond_by - timedelta(seconds=1)) == 0
    assert leads_enforce_sla(now=waiting.respond_by + timedelta(hours=100)) == 1
    assert Lead.objects.get(pk=taken.pk).status == "accepted"


@pytest.mark.django_db
def test_the_job_routes_a_lead_left_waiting_when_its_task_was_lost():
    # given: a declined lead whose routing task never ran (the broker was down)
    partner, other = lead_partner(), lead_partner()
    lead = new_lead()
    from programs.leads.services import lead_decline

    lead_decline(lead_id=lead.pk, partner_id=lead.partner_id, actor=None, reason="Not for us")  # no commit here
    Lead.objects.filter(pk=lead.pk).update(updated_at=lead.created_at - timedelta(minutes=10))
    # when
    leads_enforce_sla()
    # then
    lead.refresh_from_db()
    assert lead.status == "offered"
    assert lead.partner_id in {partner.pk, other.pk}


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_reroute_each_lapsed_lead_exactly_once():
    for _ in range(3):  # several rounds, so an unguarded claim would show
        # given: three partners, twelve leads whose offers lapsed
        Lead.objects.all().delete()
        Partner.objects.update(status="inactive")  # the last round's
        partners = [lead_partner(name=f"P{n}") for n in range(3)]
        leads = [new_lead(company=f"Prospect {n}") for n in range(12)]
        later = max(lead.respond_by for lead in leads) + timedelta(minutes=1)
        # when
        results = race(*[lambda at=later: leads_enforce_sla(now=at)] * 2)
        # then: every lapsed offer breached once, every lead offered to a new partner once
        assert all(isinstance(result, int) for result in results), results
        assert sum(results) == 12
        for lead in leads:
            offers = list(LeadOffer.objects.filter(lead=lead).order_by("offered_at", "id"))
            assert [offer.outcome for offer in offers] == ["breached", "pending"], lead.pk
            assert offers[0].partner_id != offers[1].partner_id
            assert {offer.partner_id for offer in offers} <= {partner.pk for partner in partners}
        assert Event.objects.filter(type="lead.rerouted", object_id__in=[str(lead.pk) for lead in leads]).count() == 12
