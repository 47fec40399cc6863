"""Lead services on real PostgreSQL: creation with routing, the routing record, accept, decline,
the manual queue, capacity, and every illegal move refused with nothing half-written."""

from datetime import timedelta

import pytest
from django.utils import timezone

from partners.outbox.models import Event
from prm.errors import FieldErrors
from programs.leads.models import Lead, LeadCredit, LeadOffer, LeadPolicy, LeadRouting, LeadRoutingRule, LeadWeight
from programs.leads.routing import STRIDE
from programs.leads.services import (
    InvalidLeadTransition,
    LeadNotOffered,
    LeadOfferedBefore,
    LeadOfferExpired,
    PartnerCannotTakeLeads,
    lead_accept,
    lead_assign_manually,
    lead_close,
    lead_decline,
    lead_route,
)
from tests.factories import UserFactory
from tests.programs.leads.helpers import lead_partner, new_lead

pytestmark = pytest.mark.django_db


def test_a_new_lead_is_offered_at_once_with_its_routing_recorded():
    # given
    dach = lead_partner(name="Dach Care")
    lead_partner(name="Paris Care", regions=["WE"])
    manager = UserFactory()
    # when
    lead = new_lead(actor=manager, contact_email=" Jane@Helix.example ", size="50-249")
    # then
    assert (lead.status, lead.partner_id, lead.region_id, lead.contact_email) == (
        "offered",
        dach.pk,
        "DACH",
        "jane@helix.example",
    )
    assert lead.respond_by == lead.offered_at + timedelta(hours=48)
    offer = LeadOffer.objects.get(lead=lead)
    assert (offer.partner_id, offer.outcome, offer.respond_by) == (dach.pk, "pending", lead.respond_by)
    routing = LeadRouting.objects.get(lead=lead)
    assert (routing.trigger, routing.chosen_id) == ("created", dach.pk)
    assert [(step["name"], step["outcome"], step["after"]) for step in routing.steps] == [
        ("active partners", "applied", 2),
        ("not offered this lead before", "excluded", 2),
        ("under open-lead capacity", "excluded", 2),
        ("Sales and channel partners take leads", "applied", 2),
        ("Partner covers the lead's region", "applied", 1),
        ("Prefer partners of the lead's vertical", "applied", 1),
    ]
    assert routing.pool["size"] == 1 and routing.pool["total_weight"] == 2
    assert routing.pool["chosen"] == {"partner": dach.pk, "weight": 2, "pass": 0, "next_pass": STRIDE // 2}
    assert routing.pool["candidates"] == [{"partner": dach.pk, "weight": 2, "pass": 0}]
    assert LeadCredit.objects.get(partner=dach).pass_value == STRIDE // 2
    event = Event.objects.get(type="lead.offered")
    assert (event.partner_id, event.data["audience"], event.data["respond_by"]) == (
        dach.pk,
        "partner",
        lead.respond_by.isoformat(),
    )


@pytest.mark.parametrize(
    ("fields", "field", "says"),
    [
        ({"country": "XX"}, "country", "not an ISO 3166 country code"),
        ({"country": ""}, "country", "not an ISO 3166 country code"),
        ({"company": "  "}, "company", "company name"),
        ({"region": "MARS"}, "region", "not a region code"),
        ({"vertical": "space-mining"}, "vertical", "not a vertical"),
        ({"size": "huge"}, "size", "Use one of"),
        ({"contact_email": "not-an-address"}, "contact_email", "valid e-mail"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(fields, field, says):
    lead_partner()
    with pytest.raises(FieldErrors) as refused:
        new_lead(**fields)
    assert says in refused.value.errors[field][0]
    assert not Lead.objects.exists()
    assert not Event.objects.filter(type__startswith="lead.").exists()


def test_a_lead_nobody_may_take_goes_to_the_manual_queue_with_the_reason():
    # given: the only partner is in North America
    lead_partner(regions=["NA"])
    # when
    lead = new_lead()
    # then
    assert (lead.status, lead.partner_id, lead.respond_by) == ("manual", None, None)
    routing = LeadRouting.objects.get(lead=lead)
    assert routing.chosen_id is None
    assert routing.reason == "No candidate left by the required rule “Partner covers the lead's region”."
    assert not LeadOffer.objects.exists()


def test_a_lead_from_a_country_without_a_region_goes_to_the_manual_queue():
    lead_partner(regions=["GLOBAL"])
    lead = new_lead(country="AQ")  # Antarctica belongs to no region
    assert (lead.region_id, lead.status) == (None, "manual")


def test_an_explicit_region_is_used_and_a_partner_above_it_covers_it():
    emea = lead_partner(regions=["EMEA"])
    lead = new_lead(country="FR", region="we")
    assert (lead.region_id, lead.partner_id) == ("WE", emea.pk)


def test_the_partner_accepts_and_the_lead_becomes_theirs():
    # given
    partner = lead_partner()
    lead = new_lead()
    user = UserFactory(is_staff=False)
    # when
    lead = lead_accept(lead_id=lead.pk, partner_id=partner.pk, actor=user)
    # then
    assert (lead.status, lead.partner_id) == ("accepted", partner.pk)
    offer = LeadOffer.objects.get(lead=lead)
    assert (offer.outcome, offer.responded_by_id) == ("accepted", user.pk)
    assert Event.objects.filter(type="lead.accepted", partner_id=partner.pk).count() == 1


def test_another_partner_cannot_accept_or_decline_a_lead_not_offered_to_it():
    offered, other = lead_partner(), lead_partner(regions=["NA"])
    lead = new_lead()
    with pytest.raises(LeadNotOffered) as refused:
        lead_accept(lead_id=lead.pk, partner_id=other.pk, actor=None)
    assert refused.value.code == "lead_not_offered_to_you"
    with pytest.raises(LeadNotOffered):
        lead_decline(lead_id=lead.pk, partner_id=other.pk, actor=None, reason="No")
    lead.refresh_from_db()
    assert (lead.status, lead.partner_id) == ("offered", offered.pk)


def test_declining_needs_a_reason_and_changes_nothing_without_one():
    partner = lead_partner()
    lead = new_lead()
    with pytest.raises(FieldErrors) as refused:
        lead_decline(lead_id=lead.pk, partner_id=partner.pk, actor=None, reason="   ")
    assert list(refused.value.errors) == ["reason"]
    lead.refresh_from_db()
    assert (lead.status, lead.partner_id) == ("offered", partner.pk)
    assert LeadOffer.objects.get(lead=lead).outcome == "pending"


def test_a_declined_lead_goes_to_the_next_candidate_after_commit_never_back(django_capture_on_commit_callbacks):
    # given
    first, second = lead_partner(name="First"), lead_partner(name="Second")
    lead = new_lead()
    offered_to = lead.partner_id
    # when
    with django_capture_on_commit_callbacks(execute=True):
        declined = lead_decline(lead_id=lead.pk, partner_id=offered_to, actor=None, reason="Outside our focus")
    # then: the decliner's answer names nobody else; the lead then went to the other partner
    assert (declined.status, declined.partner_id) == ("declined", None)
    lead.refresh_from_db()
    assert lead.status == "offered"
    assert lead.partner_id == ({first.pk, second.pk} - {offered_to}).pop()
    assert list(LeadOffer.objects.filter(lead=lead).values_list("partner_id", "outcome", "reason")) == [
        (offered_to, "declined", "Outside our focus"),
        (lead.partner_id, "pending", ""),
    ]
    assert LeadRouting.objects.filter(lead=lead).values_list("trigger", flat=True).last() == "declined"
    event = Event.objects.get(type="lead.declined")
    assert (event.partner_id, event.data["partner"], event.data["reason"]) == (
        offered_to,
        offered_to,
        "Outside our focus",
    )
    # when: the second declines too, nobody is left
    with django_capture_on_commit_callbacks(execute=True):
        lead_decline(lead_id=lead.pk, partner_id=lead.partner_id, actor=None, reason="No capacity")
    lead.refresh_from_db()
    assert (lead.status, lead.partner_id) == ("manual", None)


def test_routing_a_lead_twice_routes_it_once():
    lead_partner()
    lead = new_lead()
    again = lead_route(lead_id=lead.pk)
    assert again.status == "offered"
    assert LeadRouting.objects.filter(lead=lead).count() == 1
    assert LeadOffer.objects.filter(lead=lead).count() == 1


def test_an_offer_past_its_time_cannot_be_accepted():
    partner = lead_partner()
    lead = new_lead()
    with pytest.raises(LeadOfferExpired) as refused:
        lead_accept(lead_id=lead.pk, partner_id=partner.pk, actor=None, now=lead.respond_by + timedelta(seconds=1))
    assert refused.value.code == "lead_offer_expired"
    assert Lead.objects.get(pk=lead.pk).status == "offered"


def test_partners_at_capacity_are_skipped():
    # given: channel partners hold one open lead at most
    LeadPolicy.objects.filter(partner_type="channel").update(capacity=1)
    alpha = lead_partner(name="Alpha")
    bravo = lead_partner(name="Bravo")
    # when
    leads = [new_lead(company=f"Prospect {n}") for n in range(3)]
    # then: one each, then the manual queue
    assert sorted(lead.partner_id for lead in leads[:2]) == sorted([alpha.pk, bravo.pk])
    assert leads[2].status == "manual"
    assert LeadRouting.objects.get(lead=leads[2]).reason == "No active partner can take another lead."


def test_inactive_partners_and_other_types_are_never_offered_a_lead():
    lead_partner(status="inactive")
    lead_partner(type="technology")
    assert new_lead().status == "manual"


def test_the_weighted_round_robin_holds_its_shares_across_transactions():
    # given: weights 1 (arm's length) and 3 (strategic), capacity out of the way
    LeadPolicy.objects.update(capacity=1000)
    LeadWeight.objects.filter(engagement="strategic").update(weight=3)
    small = lead_partner(engagement="arms_length")
    large = lead_partner(engagement="strategic")
    # when
    leads = [new_lead(company=f"Prospect {n}") for n in range(40)]
    # then: exactly the configured shares (one lead per four to the small one)
    chosen = [lead.partner_id for lead in leads]
    assert (chosen.count(small.pk), chosen.count(large.pk)) == (10, 30)


def test_a_manager_assigns_a_lead_from_the_manual_queue():
    # given
    lead_partner(regions=["NA"])
    lead = new_lead()
    elsewhere = lead_partner(regions=["NA"], name="Picked")
    manager = UserFactory()
    # when
    lead = lead_assign_manually(lead_id=lead.pk, partner_id=elsewhere.pk, actor=manager)
    # then
    assert (lead.status, lead.partner_id) == ("offered", elsewhere.pk)
    routing = LeadRouting.objects.filter(lead=lead).last()
    assert (routing.trigger, routing.chosen_id, routing.actor_id) == ("manual", elsewhere.pk, manager.pk)
    assert list(Event.objects.filter(type__in=["lead.assigned", "lead.offered"]).values_list("type", "partner_id")) == [
        ("lead.assigned", elsewhere.pk),
        ("lead.offered", elsewhere.pk),
    ]


def test_manual_assignment_refuses_inactive_partners_repeats_and_leads_not_in_the_queue(
    django_capture_on_commit_callbacks,
):
    partner = lead_partner()
    lead = new_lead()
    with pytest.raises(InvalidLeadTransition):
        lead_assign_manually(lead_id=lead.pk, partner_id=partner.pk, actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        lead_decline(lead_id=lead.pk, partner_id=partner.pk, actor=None, reason="Not ours")
    assert Lead.objects.get(pk=lead.pk).status == "manual"
    with pytest.raises(LeadOfferedBefore) as refused:
        lead_assign_manually(lead_id=lead.pk, partner_id=partner.pk, actor=None)
    assert refused.value.code == "lead_offered_before"
    sleeping = lead_partner(status="inactive")
    with pytest.raises(PartnerCannotTakeLeads) as refused:
        lead_assign_manually(lead_id=lead.pk, partner_id=sleeping.pk, actor=None)
    assert refused.value.code == "partner_cannot_take_leads"
    assert Lead.objects.get(pk=lead.pk).status == "manual"


def test_an_accepted_lead_is_converted_and_an_offered_one_closed_with_its_offer_withdrawn():
    partner = lead_partner()
    accepted = new_lead()
    lead_accept(lead_id=accepted.pk, partner_id=partner.pk, actor=None)
    assert lead_close(lead_id=accepted.pk, actor=None, converted=True).status == "converted"
    offered = new_lead(company="Other")
    closed = lead_close(lead_id=offered.pk, actor=None)
    assert (closed.status, closed.partner_id) == ("closed", None)
    assert LeadOffer.objects.get(lead=offered).outcome == "withdrawn"


def _in_status(status: str) -> Lead:
    """A lead brought to ``status`` through the services."""
    partner = lead_partner()
    if status == "manual":
        LeadRoutingRule.objects.update(is_active=False)
        partner.status = "inactive"
        partner.save(update_fields=["status"])
        return new_lead()
    lead = new_lead()
    if status in ("accepted", "converted"):
        lead_accept(lead_id=lead.pk, partner_id=partner.pk, actor=None)
    if status == "converted":
        lead_close(lead_id=lead.pk, actor=None, converted=True)
    if status == "closed":
        lead_close(lead_id=lead.pk, actor=None)
    if status == "declined":
        lead_decline(lead_id=lead.pk, partner_id=partner.pk, actor=None, reason="No")  # routed after commit
    return Lead.objects.get(pk=lead.pk)


@pytest.mark.parametrize("status", ["offered", "accepted", "declined", "manual", "converted", "closed"])
def test_every_illegal_move_is_refused_and_changes_nothing(status):
    # given
    lead = _in_status(status)
    assert lead.status == status
    partner_id = lead.partner_id or lead_partner(name="Stranger").pk
    moves = {
        "accept": lambda: lead_accept(lead_id=lead.pk, partner_id=partner_id, actor=None),
        "decline": lambda: lead_decline(lead_id=lead.pk, partner_id=partner_id, actor=None, reason="No"),
        "assign": lambda: lead_assign_manually(lead_id=lead.pk, partner_id=lead_partner(name="New").pk, actor=None),
        "convert": lambda: lead_close(lead_id=lead.pk, actor=None, converted=True),
        "close": lambda: lead_close(lead_id=lead.pk, actor=None),
    }
    allowed = {
        "offered": {"accept", "decline", "close"},
        "accepted": {"convert", "close"},
        "declined": {"close"},
        "manual": {"assign", "close"},
        "converted": set(),
        "closed": set(),
    }[status]
    for name, move in moves.items():
        if name in allowed:
            continue
        before = Lead.objects.filter(pk=lead.pk).values_list("status", "partner_id", "version").get()
        # when / then
        with pytest.raises((InvalidLeadTransition, LeadNotOffered)):
            move()
        assert Lead.objects.filter(pk=lead.pk).values_list("status", "partner_id", "version").get() == before, name


def test_an_offer_lasts_the_partner_types_hours():
    LeadPolicy.objects.filter(partner_type="sales").update(respond_hours=8)
    lead_partner(type="sales")
    now = timezone.now()
    lead = new_lead(now=now)
    assert lead.respond_by == now + timedelta(hours=8)
