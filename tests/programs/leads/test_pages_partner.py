"""The partner's lead pages at /partner/leads/: the leads offered now with the time to answer,
accepted, finished and declined ones; accepting, declining with a reason (next to the field),
converting and closing through the pages; a lead gone elsewhere explained, never a 500; another
organisation's lead a 404; a flat query count."""

from datetime import timedelta

import pytest
from django.test import Client

from partners.models import PartnerUser
from programs.leads.models import Lead, LeadOffer
from programs.leads.services import lead_accept, lead_decline, leads_enforce_sla
from tests.factories import UserFactory
from tests.programs.leads.helpers import lead_partner, new_lead

pytestmark = pytest.mark.django_db


def _client(partner, role="partner_member") -> Client:
    user = UserFactory(is_staff=False)
    PartnerUser.objects.create(user=user, partner=partner, role=role)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def alpha():
    return lead_partner(name="Alpha Resellers")


@pytest.fixture
def bravo():
    return lead_partner(name="Bravo Secret Partner", regions=["NA"])


def test_an_empty_list_says_what_will_appear(alpha):
    body = _client(alpha).get("/partner/leads/").content.decode()
    assert "No leads waiting for your answer" in body
    for tab in ("accepted", "finished", "passed"):
        response = _client(alpha).get(f"/partner/leads/?tab={tab}")
        assert response.status_code == 200
        assert (
            "No accepted leads" in response.content.decode()
            or "No converted" in response.content.decode()
            or ("Nothing declined or missed" in response.content.decode())
        )


def test_offered_leads_show_the_time_to_answer_and_only_mine(alpha, bravo):
    # given
    mine = new_lead(company="Helix Clinics", contact_name="Jane Doe")
    new_lead(company="Yankee Health", country="US")  # bravo's
    # when
    body = _client(alpha).get("/partner/leads/").content.decode()
    # then
    assert mine.status == "offered" and mine.partner_id == alpha.pk
    assert "Helix Clinics" in body and "Yankee" not in body
    assert "Answer by" in body and mine.respond_by.strftime("%b %Y") in body
    assert "1\xa0day, 23\xa0hours left" in body  # timeuntil keeps each figure with its unit
    assert f'action="/partner/leads/{mine.pk}/accept/"' in body
    assert 'Offered to you <span class="badge rounded-pill text-bg-warning">1<' in body


def test_accepting_makes_the_lead_mine(alpha):
    # given
    lead = new_lead()
    client = _client(alpha)
    # when
    response = client.post(f"/partner/leads/{lead.pk}/accept/")
    # then
    lead.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == f"/partner/leads/{lead.pk}/"
    assert lead.status == "accepted"
    page = client.get(response["Location"]).content.decode()
    assert "is yours" in page and "Mark converted" in page
    accepted = client.get("/partner/leads/?tab=accepted").content.decode()
    assert "Helix Clinics" in accepted


def test_declining_needs_a_reason_next_to_the_field(alpha):
    # given
    lead = new_lead()
    client = _client(alpha)
    # when
    refused = client.post(f"/partner/leads/{lead.pk}/decline/", {"reason": "  "})
    # then
    body = refused.content.decode()
    assert refused.status_code == 400
    assert 'id="id_reason_error"' in body and "Say why you decline this lead" in body
    assert Lead.objects.get(pk=lead.pk).status == "offered"


def test_declining_with_a_reason_moves_the_lead_to_declined(alpha, django_capture_on_commit_callbacks):
    # given
    lead = new_lead()
    client = _client(alpha)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/partner/leads/{lead.pk}/decline/", {"reason": "No healthcare team this quarter"})
    # then
    assert response.status_code == 302 and response["Location"] == "/partner/leads/"
    offer = LeadOffer.objects.get(lead=lead, partner=alpha)
    assert (offer.outcome, offer.reason) == ("declined", "No healthcare team this quarter")
    assert "No leads waiting for your answer" in client.get("/partner/leads/").content.decode()
    passed = client.get("/partner/leads/?tab=passed").content.decode()
    assert "Helix Clinics" in passed and "No healthcare team this quarter" in passed
    # the lead is no longer mine to see: its page says why, on the list
    gone = client.get(f"/partner/leads/{lead.pk}/", follow=True)
    assert "You declined this lead" in gone.content.decode()


def test_a_lead_rerouted_away_is_not_offered_and_accepting_it_says_why(alpha):
    # given: alpha let the time run out; the SLA job moved the lead on (to the manual queue)
    lead = new_lead()
    client = _client(alpha)
    leads_enforce_sla(now=lead.respond_by + timedelta(seconds=1))
    # when
    listed = client.get("/partner/leads/").content.decode()
    response = client.post(f"/partner/leads/{lead.pk}/accept/", follow=True)
    # then
    assert "Helix Clinics" not in listed
    assert response.status_code == 200
    assert "The time to answer this lead ran out" in response.content.decode()
    assert Lead.objects.get(pk=lead.pk).status == "manual"
    assert "Not answered in time" in client.get("/partner/leads/?tab=passed").content.decode()


def test_an_offer_whose_time_ran_out_is_refused_with_the_services_message(alpha):
    # given: the time is up but the SLA job has not run yet
    lead = new_lead()
    Lead.objects.filter(pk=lead.pk).update(respond_by=lead.respond_by - timedelta(days=3))
    LeadOffer.objects.filter(lead=lead).update(respond_by=lead.respond_by - timedelta(days=3))
    client = _client(alpha)
    # when
    page = client.get(f"/partner/leads/{lead.pk}/").content.decode()
    response = client.post(f"/partner/leads/{lead.pk}/accept/", follow=True)
    # then
    assert "The time to answer has run out" in page and "Accept lead" not in page
    assert "The time to answer this offer ended at" in response.content.decode()
    assert Lead.objects.get(pk=lead.pk).status == "offered"


def test_an_accepted_lead_is_converted_or_closed(alpha):
    # given
    first, second = new_lead(company="First Clinic"), new_lead(company="Second Clinic")
    for lead in (first, second):
        lead_accept(lead_id=lead.pk, partner_id=alpha.pk, actor=None)
    client = _client(alpha)
    # when
    converted = client.post(f"/partner/leads/{first.pk}/close/", {"converted": "true"})
    closed = client.post(f"/partner/leads/{second.pk}/close/", {"converted": "false"})
    # then
    assert converted.status_code == 302 and closed.status_code == 302
    assert Lead.objects.get(pk=first.pk).status == "converted"
    assert Lead.objects.get(pk=second.pk).status == "closed"
    finished = client.get("/partner/leads/?tab=finished").content.decode()
    assert "First Clinic" in finished and "Second Clinic" in finished and "Converted" in finished


def test_an_offered_lead_cannot_be_closed_by_the_partner(alpha):
    lead = new_lead()
    response = _client(alpha).post(f"/partner/leads/{lead.pk}/close/", {"converted": "true"}, follow=True)
    assert "Only a lead you accepted" in response.content.decode()
    assert Lead.objects.get(pk=lead.pk).status == "offered"


def test_another_organisations_lead_is_a_404_for_every_page_and_action(alpha, bravo):
    # given
    theirs = new_lead(company="Yankee Health", country="US")
    assert theirs.partner_id == bravo.pk
    client = _client(alpha, role="partner_admin")
    # then
    assert client.get(f"/partner/leads/{theirs.pk}/").status_code == 404
    assert client.post(f"/partner/leads/{theirs.pk}/accept/").status_code == 404
    assert client.post(f"/partner/leads/{theirs.pk}/decline/", {"reason": "x"}).status_code == 404
    assert client.post(f"/partner/leads/{theirs.pk}/close/", {"converted": "true"}).status_code == 404
    for tab in ("offered", "accepted", "finished", "passed"):
        assert "Yankee" not in client.get(f"/partner/leads/?tab={tab}").content.decode()
    theirs.refresh_from_db()
    assert (theirs.status, theirs.partner_id) == ("offered", bravo.pk)


def test_a_lead_declined_by_another_partner_stays_hidden(alpha, bravo):
    # given: bravo declined a lead that was never alpha's
    theirs = new_lead(company="Yankee Health", country="US")
    lead_decline(lead_id=theirs.pk, partner_id=bravo.pk, actor=None, reason="Too small")
    # then
    client = _client(alpha)
    assert "Yankee" not in client.get("/partner/leads/?tab=passed").content.decode()
    assert client.get(f"/partner/leads/{theirs.pk}/").status_code == 404


@pytest.mark.parametrize("tab", ["offered", "accepted", "passed"])
@pytest.mark.parametrize("rows", [1, 20])
def test_the_list_query_count_is_flat(alpha, django_assert_max_num_queries, rows, tab):
    # given
    from programs.leads.models import LeadPolicy

    LeadPolicy.objects.filter(partner_type="channel").update(capacity=100)
    leads = [new_lead(company=f"Prospect {number}") for number in range(rows)]
    for lead in leads:
        if tab == "accepted":
            lead_accept(lead_id=lead.pk, partner_id=alpha.pk, actor=None)
        elif tab == "passed":
            lead_decline(lead_id=lead.pk, partner_id=alpha.pk, actor=None, reason="Busy")
    client = _client(alpha)
    # when: session, user, membership (partner_link), the organisation (visible_to), the agreement
    # gate, the bounded count, the page of rows, the tab counts (leads, passed offers)
    with django_assert_max_num_queries(9):
        response = client.get(f"/partner/leads/?tab={tab}")
    # then
    assert response.status_code == 200
    assert response.content.decode().count("Prospect ") >= rows


def test_staff_are_sent_to_the_manager_portal(manager):
    client = Client()
    client.force_login(manager)
    assert client.get("/partner/leads/").status_code == 302
