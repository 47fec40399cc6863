"""The partner's tier page and home panel: the current tier and its benefits, each requirement of
the tier it works towards with value, threshold, progress bar and gap, and the grace deadline."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from partners.models import PartnerUser
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory
from tests.programs.tiers.factories import MembershipFactory, ladder

pytestmark = pytest.mark.django_db


def _client(partner, role="partner_member") -> Client:
    user = UserFactory(is_staff=False)
    PartnerUser.objects.create(user=user, partner=partner, role=role)
    client = Client()
    client.force_login(user)
    return client


def test_the_progress_page_shows_benefits_requirements_progress_and_gaps(django_assert_max_num_queries):
    # given: a Silver member with health 70, working towards Gold (80, 2 healthcare people, agreement)
    _program, _registered, silver, _gold = ladder(name="Channel Partner Program")
    membership = MembershipFactory(tier=silver, partner=PartnerFactory(type="channel", health_score=70))
    client = _client(membership.partner)
    # when
    html = client.get("/partner/tiers/").content.decode()
    # then
    assert "Channel Partner Program" in html
    assert "Your Silver benefits:</span> 10 % discount" in html
    assert "Towards Gold" in html
    assert "70 / 80" in html and 'aria-valuenow="87"' in html
    assert "0 / 2" in html  # healthcare-certified people
    assert "Not signed" in html
    assert "Needs 2 more healthcare-certified people." in html
    assert (
        "You need 2 more healthcare-certified people, a signed agreement in force and a health score of 80 (now 70)"
        in html
    )


def test_the_progress_page_warns_of_the_grace_period_and_its_deadline():
    # given: a Gold member below Gold since last week
    _program, _registered, _silver, gold = ladder()
    deadline = timezone.localdate() + timedelta(days=83)
    membership = MembershipFactory(
        tier=gold, state="grace", grace_started_on=timezone.localdate() - timedelta(days=7), grace_until=deadline,
        partner=PartnerFactory(type="channel", health_score=85),
    )  # fmt: skip
    # when
    html = _client(membership.partner).get("/partner/tiers/").content.decode()
    # then
    assert "Your organisation no longer meets Gold. Keep it by <strong>" + f"{deadline:%-d %B %Y}" in html
    assert "To keep Gold" in html
    assert "85 / 80" in html


def test_the_progress_page_has_an_empty_state_outside_any_program():
    # when
    html = _client(PartnerFactory(type="channel")).get("/partner/tiers/").content.decode()
    # then
    assert "Not in a program yet" in html


def test_the_partner_home_shows_the_tier_summary_with_a_link():
    # given
    _program, _registered, silver, _gold = ladder(name="Channel Partner Program")
    membership = MembershipFactory(tier=silver, partner=PartnerFactory(type="channel", health_score=70))
    # when
    html = _client(membership.partner).get("/partner/").content.decode()
    # then
    assert "Your tiers" in html and 'href="/partner/tiers/"' in html
    assert "Towards Gold" in html and "70 / 80" in html


def test_the_partner_sees_only_its_own_memberships():
    # given
    _program, registered, _silver, gold = ladder()
    MembershipFactory(tier=gold, partner=PartnerFactory(type="channel", name="Other Org"))
    own = MembershipFactory(tier=registered, partner=PartnerFactory(type="channel"))
    # when
    html = _client(own.partner).get("/partner/tiers/").content.decode()
    # then
    assert "Other Org" not in html
    assert html.count('class="badge text-bg-primary fs-6"') == 1


@pytest.mark.parametrize("programs", [1, 5])
def test_the_progress_page_query_count_does_not_grow_with_programs(programs, django_assert_max_num_queries):
    # given
    partner = PartnerFactory(type="channel", health_score=70)
    for _ in range(programs):
        _program, _registered, silver, _gold = ladder()
        MembershipFactory(tier=silver, partner=partner)
    client = _client(partner)
    # when: session, user, login's organisation, the agreement gate, partner, the facts (twelve), the
    # current tiers
    with django_assert_max_num_queries(20):
        response = client.get("/partner/tiers/")
    # then
    assert response.content.decode().count("Towards Gold") == programs
