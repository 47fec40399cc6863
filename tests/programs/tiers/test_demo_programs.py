"""The demo programs: two programs with their tiers, every demo partner of their types enrolled once."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command

from programs.tiers.demo import demo_programs_seed
from programs.tiers.models import Membership, Program, TierChange
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db


def test_the_demo_programs_enrol_partners_of_their_types_once():
    # given partners of every kind that matters
    channel = PartnerFactory.create_batch(30, type="channel", status="active")
    sales = PartnerFactory(type="sales", status="onboarding")
    technology = PartnerFactory(type="technology", status="active")
    PartnerFactory(type="support", status="active")  # in neither program
    PartnerFactory(type="channel", status="prospect")  # not enrolled yet
    # when
    first = demo_programs_seed()
    again = demo_programs_seed()
    # then
    assert (first.programs, again.programs) == (2, 0)
    channel_program = Program.objects.get(slug="channel-partner-program")
    assert list(channel_program.tiers.values_list("rank", "name")) == [
        (1, "Registered"), (2, "Silver"), (3, "Gold"), (4, "Platinum"),
    ]  # fmt: skip
    gold = channel_program.tiers.get(name="Gold")
    assert (gold.min_certified, gold.min_health_score, gold.lead_weight) == ({"healthcare": 2}, 60, 5)
    members = {m.partner_id: m for m in Membership.objects.select_related("program", "tier")}
    assert set(members) == {p.pk for p in [*channel, sales, technology]}
    assert members[technology.pk].program.slug == "technology-alliance"
    # the starting tier is drawn from the partner's id, the same every time
    for partner in channel:
        rank = 1 + sum(bound <= (partner.pk * 7919) % 100 for bound in (60, 85, 97))
        assert members[partner.pk].tier.rank == rank
    assert TierChange.objects.filter(direction="joined").count() == len(members)


def test_the_command_does_nothing_when_programs_exist(capsys):
    call_command("seed_demo_programs", "--if-empty")
    call_command("seed_demo_programs", "--if-empty")
    out = capsys.readouterr().out
    assert "Created 2 programs" in out and "Nothing to do: 2 programs exist already" in out


def test_one_member_in_ten_above_the_entry_tier_starts_with_its_grace_period_over():
    PartnerFactory.create_batch(200, type="channel", status="active")  # some ids end in 0 above the entry tier
    demo_programs_seed()
    for membership in Membership.objects.select_related("tier"):
        lapsed = membership.tier.rank > 1 and membership.partner_id % 10 == 0
        assert (membership.state == "grace") is lapsed
        if lapsed:
            assert membership.grace_until == date.today() - timedelta(days=10)
    assert Membership.objects.filter(state="grace").exists()
