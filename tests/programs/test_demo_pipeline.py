"""The demo's deals and leads are made by the real services: states, overlaps and routing as use
would leave them, the same for the same seed, and nothing added twice with --if-empty."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from partners.demo.seeding import demo_seed
from partners.models import Partner
from programs.deals.models import Deal, DealConflict, DealHistory
from programs.leads.models import Lead, LeadRouting
from tests.factories import UserFactory
from tests.notifications.helpers import partner_login

pytestmark = pytest.mark.django_db


def test_demo_pipeline_leaves_deals_in_every_state_and_routed_leads(capsys):
    # given: demo partners owned by a manager, one with a partner login
    UserFactory(role="manager")
    demo_seed(partners=200, seed=1, if_empty=False)
    with_login = Partner.objects.filter(status="active").exclude(owner=None).order_by("pk").first()
    partner_login(with_login)
    # when
    call_command("seed_demo_pipeline", "--deals", "120", "--leads", "20")
    again = call_command("seed_demo_pipeline", "--deals", "120", "--leads", "20", "--if-empty")
    # then
    states = set(Deal.objects.values_list("state", flat=True))
    assert {"submitted", "approved", "rejected", "won"} <= states
    # the expiry has run: an approved deal is still protected
    assert not Deal.objects.filter(state="approved", protected_until__lte=timezone.now()).exists()
    assert DealConflict.objects.exists()
    assert DealHistory.objects.filter(action="approved").exists()
    assert Lead.objects.count() == 20
    assert LeadRouting.objects.filter(lead__in=Lead.objects.all()).count() >= 20
    assert Lead.objects.filter(status="accepted").exists()
    # the partner with a login sees a deal of each kind in its portal
    assert {"approved", "submitted", "won"} <= set(
        Deal.objects.filter(partner=with_login).values_list("state", flat=True)
    )
    output = capsys.readouterr().out
    assert "Registered" in output and "Nothing to do: " in output
    assert again is None and Deal.objects.count() == int(output.split("Registered ")[1].split(" ")[0])
