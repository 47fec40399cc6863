"""Tier events reach people: the partner's logins of a grace period with its deadline and of an
upgrade, the partner's manager of a downgrade to decide."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from partners.notifications.models import Notification
from programs.strategies.facts import partner_facts
from programs.strategies.rules.tier_evaluation import TierEvaluation
from programs.tiers.models import DowngradeProposal, Membership, Program, Tier
from programs.tiers.services import membership_change_tier, tier_evaluations_apply
from tests.factories import UserFactory
from tests.notifications.helpers import dispatch, partner_login
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    owner = UserFactory(role="manager")
    partner = PartnerFactory(name="Helix", type="channel", status="active", owner=owner)
    program = Program.objects.create(name="Channel Partner Program", slug="channel", partner_types=["channel"])
    Tier.objects.create(program=program, name="Registered", rank=1)
    silver = Tier.objects.create(program=program, name="Silver", rank=2, min_won_deals=2)
    return Membership.objects.create(partner=partner, program=program, tier=silver, since=date.today())


def _review(membership):
    today = timezone.localdate()
    facts = partner_facts(partner_ids=[membership.partner_id], today=today)[membership.partner_id]
    effects = [(membership.partner_id, effect) for effect in TierEvaluation({"program": "channel"}).effects(facts)]
    tier_evaluations_apply(effects=effects, strategy_id=0, today=today)


def test_the_partner_hears_of_its_grace_period_and_its_deadline(member, django_capture_on_commit_callbacks):
    # given two logins of the partner and a login of another partner
    amy, bob = partner_login(member.partner), partner_login(member.partner)
    stranger = partner_login(PartnerFactory(type="channel"))
    # when the review finds it below Silver
    with django_capture_on_commit_callbacks(execute=True):
        _review(member)
    dispatch(django_capture_on_commit_callbacks)
    # then
    until = (timezone.localdate() + timedelta(days=90)).isoformat()
    notes = Notification.objects.filter(category="tier_news")
    assert set(notes.values_list("user_id", flat=True)) == {amy.pk, bob.pk}
    assert not Notification.objects.filter(user=stranger).exists()
    note = notes.first()
    assert note.title == f"Keep your Silver tier: act by {until}"
    assert "2 more won deals" in note.body and until in note.body


def test_the_owner_hears_of_a_proposed_downgrade(member, django_capture_on_commit_callbacks):
    Membership.objects.filter(pk=member.pk).update(
        state="grace", grace_started_on=date.today() - timedelta(days=91), grace_until=date.today() - timedelta(1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        _review(member)
    dispatch(django_capture_on_commit_callbacks)
    assert DowngradeProposal.objects.filter(membership=member, state="pending").exists()
    note = Notification.objects.get(category="tier_proposals")
    assert (note.user_id, note.title) == (member.partner.owner_id, "Downgrade of Helix proposed")
    assert "needs 2 more won deals" in note.body


def test_the_partner_hears_of_an_upgrade(member, django_capture_on_commit_callbacks):
    amy = partner_login(member.partner)
    gold = Tier.objects.create(program=member.program, name="Gold", rank=3)
    with django_capture_on_commit_callbacks(execute=True):
        membership_change_tier(membership_id=member.pk, tier_id=gold.pk, actor=member.partner.owner, reason="Won big")
    dispatch(django_capture_on_commit_callbacks)
    note = Notification.objects.get(user=amy, category="tier_news")
    assert (note.title, note.body) == ("Upgraded to Gold", "Your organisation is now Gold in Channel Partner Program.")
