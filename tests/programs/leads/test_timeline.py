"""What happens to leads is on the partners' timelines: offered, accepted, declined with the
reason, let lapse (the breach), converted — each on the partner concerned and no other."""

from datetime import timedelta

import pytest

from partners.models import Activity, Partner
from programs.leads.services import lead_accept, lead_close, lead_decline, leads_enforce_sla
from tests.programs.leads.helpers import lead_partner, new_lead

pytestmark = pytest.mark.django_db


def _timeline(partner) -> list[str]:
    return list(
        Activity.objects.filter(partner=partner, kind=Activity.Kind.LEAD)
        .order_by("id")
        .values_list("message", flat=True)
    )


def test_each_step_of_a_lead_is_on_the_timeline_of_the_partner_it_concerns():
    # given: two partners the default rules route German healthcare leads to
    first, second = lead_partner(), lead_partner()
    declined = new_lead(company="Helix Clinics")
    decliner = Partner.objects.get(pk=declined.partner_id)
    # when: the first offer is declined, a second lead is accepted and converted, a third lapses
    lead_decline(lead_id=declined.pk, partner_id=decliner.pk, actor=None, reason="No capacity")
    won = new_lead(company="Orbis Care")
    lead_accept(lead_id=won.pk, partner_id=won.partner_id, actor=None)
    lead_close(lead_id=won.pk, actor=None, converted=True)
    lapsed = new_lead(company="Vita Labs")
    lapser = Partner.objects.get(pk=lapsed.partner_id)
    before = lapser.last_activity_at
    leads_enforce_sla(now=lapsed.respond_by + timedelta(minutes=1))
    # then
    assert "Lead offered: Helix Clinics" in _timeline(decliner)
    assert "Lead declined (No capacity): Helix Clinics" in _timeline(decliner)
    winner = Partner.objects.get(pk=won.partner_id)
    assert [line for line in _timeline(winner) if line.endswith("Orbis Care")] == [
        "Lead offered: Orbis Care",
        "Lead accepted: Orbis Care",
        "Lead converted: Orbis Care",
    ]
    assert "Lead not answered in time (SLA breach): Vita Labs" in _timeline(lapser)
    # a lapse is not the partner's activity; nothing of a lead reaches a partner it never concerned
    lapser.refresh_from_db()
    assert lapser.last_activity_at == before
    other = ({first.pk, second.pk} - {decliner.pk}).pop()
    assert "Lead declined (No capacity): Helix Clinics" not in _timeline(Partner.objects.get(pk=other))
