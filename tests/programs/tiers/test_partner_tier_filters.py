"""The tier and program filters of /api/v1/partners/ and of the manager's partner list."""

import re

import pytest
from django.test import Client

from tests.partners.factories import PartnerFactory
from tests.programs.tiers.factories import MembershipFactory, ProgramFactory, TierFactory, ladder

pytestmark = pytest.mark.django_db


@pytest.fixture
def members():
    """Alpha Gold in the channel program, Bravo Silver in it and Gold in the alliance, Charlie in none."""
    channel, _registered, silver, gold = ladder(name="Channel", slug="channel-program")
    alliance = ProgramFactory(name="Alliance", slug="alliance")
    alliance_gold = TierFactory(program=alliance, name="GOLD", rank=1)
    alpha = PartnerFactory(name="Alpha")
    bravo = PartnerFactory(name="Bravo")
    PartnerFactory(name="Charlie")
    MembershipFactory(partner=alpha, tier=gold)
    MembershipFactory(partner=bravo, tier=silver)
    MembershipFactory(partner=bravo, tier=alliance_gold)
    return {"channel": channel, "alliance": alliance, "silver": silver, "gold": gold, "alliance_gold": alliance_gold}


@pytest.fixture
def manager_client(api_client, manager):
    api_client.force_authenticate(manager)
    return api_client


def _names(response) -> list[str]:
    return [row["name"] for row in response.json()["results"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("tier=gold", ["Alpha", "Bravo"]),  # a name, any case, in every program
        ("tier=Silver", ["Bravo"]),
        ("program=channel-program", ["Alpha", "Bravo"]),
        ("program=alliance&tier=gold", ["Bravo"]),  # the same membership: Alliance at GOLD
        ("program=channel-program&tier=gold", ["Alpha"]),
        ("tier=silver,gold&program=channel-program", ["Alpha", "Bravo"]),
    ],
)
def test_the_api_filters_partners_by_program_and_tier(manager_client, members, query, expected):
    # when
    response = manager_client.get(f"/api/v1/partners/?{query}")
    # then
    assert response.status_code == 200
    assert _names(response) == expected


def test_the_api_takes_ids_too_and_lists_each_partner_once(manager_client, members):
    # when: both of Bravo's memberships match
    response = manager_client.get(f"/api/v1/partners/?tier={members['silver'].pk},{members['alliance_gold'].pk}")
    # then
    assert _names(response) == ["Bravo"]
    assert response.json()["count"] == 1


def test_unknown_programs_and_tiers_are_400s(manager_client, members):
    # when
    response = manager_client.get("/api/v1/partners/?tier=diamond&program=nope,99999999999")
    # then
    assert response.status_code == 400
    assert response.json() == {"tier": ["Unknown tier: diamond."], "program": ["Unknown program: nope, 99999999999."]}


def test_the_manager_list_filters_by_tier_and_program_with_the_controls(manager, members):
    # given
    client = Client()
    client.force_login(manager)
    # when
    page = client.get("/partners/?tier=gold&program=" + str(members["channel"].pk)).content.decode()
    # then
    assert "Alpha" in page and "Bravo" not in page and "Charlie" not in page
    assert 'name="tier" id="id_tier"' in page and 'name="program" id="id_program"' in page
    assert '<option value="gold" selected>' in page
    assert f'<option value="{members["channel"].pk}" selected>Channel</option>' in page


@pytest.mark.parametrize("rows", [1, 20])
def test_the_tier_filter_keeps_the_partner_list_flat(manager_client, rows, django_assert_max_num_queries):
    # given
    _program, _registered, silver, gold = ladder()
    for _ in range(rows):
        MembershipFactory(tier=gold)
    MembershipFactory(tier=silver)
    # when: the tier looked up, the count, one page with owners
    with django_assert_max_num_queries(3):
        response = manager_client.get("/api/v1/partners/?tier=gold&page_size=20")
    # then
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [1, 20])
def test_the_tier_filter_keeps_the_partner_list_page_flat(manager, rows, django_assert_max_num_queries):
    # given
    _program, _registered, silver, gold = ladder()
    for _ in range(rows):
        MembershipFactory(tier=gold)
    MembershipFactory(tier=silver)
    client = Client()
    client.force_login(manager)
    # when: the list page's ten (tests/partners/test_portal_list.py) and the tier looked up
    with django_assert_max_num_queries(11):
        response = client.get("/partners/?tier=gold")
    # then
    assert response.status_code == 200
    assert len(re.findall(r'<a class="fw-semibold" href="/partners/\d+/">', response.content.decode())) == rows
