"""/api/v1/programs/, tiers, memberships with the evaluation, downgrade proposals."""

import pytest

from partners.models import PartnerUser
from partners.services import api_token_create
from programs.tiers.models import DowngradeProposal, Membership, Program, Tier, TierChange
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory
from tests.programs.tiers.factories import MembershipFactory, ProgramFactory, ladder

pytestmark = pytest.mark.django_db


def _login(partner, role="partner_admin"):
    user = UserFactory(is_staff=False)
    PartnerUser.objects.create(user=user, partner=partner, role=role)
    return user


def _token(user) -> dict:
    _, key = api_token_create(user=user)
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


@pytest.fixture
def admin_client(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    return api_client


# programs ------------------------------------------------------------------------------------


def test_staff_read_every_program_with_its_tiers(manager_client):
    # given
    _program, _registered, _silver, _gold = ladder(name="Channel Partner Program", partner_types=["channel", "sales"])
    ProgramFactory(name="Old program", is_active=False)
    # when
    response = manager_client.get("/api/v1/programs/")
    # then
    assert response.status_code == 200
    body = {row["name"]: row for row in response.json()["results"]}
    assert set(body) == {"Channel Partner Program", "Old program"}
    tiers = body["Channel Partner Program"]["tiers"]
    assert [tier["name"] for tier in tiers] == ["Registered", "Silver", "Gold"]
    assert tiers[2]["min_certified"] == {"healthcare": 2}
    assert tiers[2]["discount_percent"] == "20.00"
    assert body["Channel Partner Program"]["partner_types"] == ["channel", "sales"]


def test_a_partner_token_reads_only_the_active_programs_for_its_type(api_client):
    # given
    partner = PartnerFactory(type="technology")
    ProgramFactory(name="Channel", partner_types=["channel"])
    ProgramFactory(name="Alliance", partner_types=["technology"])
    inactive = ProgramFactory(name="Retired alliance", partner_types=["technology"], is_active=False)
    headers = _token(_login(partner, "partner_member"))
    # when
    response = api_client.get("/api/v1/programs/", **headers)
    detail = api_client.get(f"/api/v1/programs/{inactive.pk}/", **headers)
    # then
    assert [row["name"] for row in response.json()["results"]] == ["Alliance"]
    assert detail.status_code == 404


def test_an_admin_creates_a_program_and_a_manager_may_not(api_client, admin_user, manager):
    # given
    body = {"name": "Alliance", "slug": "alliance", "partner_types": ["technology"], "currency": "USD"}
    # when
    api_client.force_authenticate(manager)
    refused = api_client.post("/api/v1/programs/", body, format="json")
    api_client.force_authenticate(admin_user)
    created = api_client.post("/api/v1/programs/", body, format="json")
    # then
    assert refused.status_code == 403
    assert created.status_code == 201
    assert created.json()["tiers"] == []
    assert Program.objects.get(slug="alliance").currency == "USD"


def test_program_writes_answer_400_with_field_messages(admin_client):
    # given
    ProgramFactory(name="Alliance", slug="alliance")
    # when
    response = admin_client.post(
        "/api/v1/programs/",
        {"name": "alliance", "slug": "alliance", "partner_types": [], "currency": "euro", "grace_days": 0},
        format="json",
    )
    # then
    assert response.status_code == 400
    body = response.json()
    assert "partner_types" in body
    assert "grace_days" in body or "currency" in body
    assert Program.objects.count() == 1


# tiers ----------------------------------------------------------------------------------------


def test_a_tier_contradicting_the_ladder_is_refused_with_the_field_and_nothing_saved(admin_client):
    # given
    program, _registered, _silver, _gold = ladder()
    # when: a Platinum asking a lower health score than Gold
    response = admin_client.post(
        f"/api/v1/programs/{program.pk}/tiers/",
        {"name": "Platinum", "rank": 4, "min_health_score": 70, "min_certified": {"healthcare": 2},
         "requires_agreement": True},
        format="json",
    )  # fmt: skip
    # then
    assert response.status_code == 400
    assert "Platinum asks less health score than Gold" in response.json()["min_health_score"][0]
    assert not Tier.objects.filter(name="Platinum").exists()


def test_raising_a_lower_tier_above_a_higher_one_is_refused_on_the_edited_field(admin_client):
    # given
    program, _registered, silver, _gold = ladder()
    # when: Silver asks more health score than Gold
    response = admin_client.patch(
        f"/api/v1/programs/{program.pk}/tiers/{silver.pk}/", {"min_health_score": 90}, format="json"
    )
    # then
    assert response.status_code == 400
    assert "Gold asks less health score than Silver" in response.json()["min_health_score"][0]
    silver.refresh_from_db()
    assert silver.min_health_score == 60


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"min_revenue": "-5"}, "min_revenue"),
        ({"min_certified": {"spaceflight": 1}}, "min_certified"),
        ({"min_certified": {"healthcare": -1}}, "min_certified"),
        ({"rank": 3}, "rank"),
        ({"name": "GOLD"}, "name"),
    ],
)
def test_bad_tier_values_are_400s_naming_the_field(admin_client, body, field):
    # given
    program, _registered, silver, _gold = ladder()
    # when
    response = admin_client.patch(f"/api/v1/programs/{program.pk}/tiers/{silver.pk}/", body, format="json")
    # then
    assert response.status_code == 400
    assert field in response.json()


def test_an_admin_adds_changes_and_deletes_tiers(admin_client):
    # given
    program, _registered, _silver, gold = ladder()
    # when
    added = admin_client.post(
        f"/api/v1/programs/{program.pk}/tiers/",
        {"name": "Platinum", "rank": 4, "min_health_score": 90, "min_certified": {"healthcare": 4},
         "requires_agreement": True, "discount_percent": "25"},
        format="json",
    )  # fmt: skip
    changed = admin_client.patch(f"/api/v1/programs/{program.pk}/tiers/{gold.pk}/", {"lead_weight": 500}, format="json")
    deleted = admin_client.delete(f"/api/v1/programs/{program.pk}/tiers/{added.json()['id']}/")
    # then
    assert added.status_code == 201
    assert changed.status_code == 200 and changed.json()["lead_weight"] == 500
    assert deleted.status_code == 204
    assert list(program.tiers.values_list("name", flat=True)) == ["Registered", "Silver", "Gold"]


def test_a_tier_with_members_is_not_deleted(admin_client):
    # given
    program, _registered, silver, _gold = ladder()
    MembershipFactory(tier=silver)
    # when
    response = admin_client.delete(f"/api/v1/programs/{program.pk}/tiers/{silver.pk}/")
    # then
    assert response.status_code == 409
    assert response.json()["code"] == "tier_has_members"
    assert "1 member" in response.json()["detail"]
    assert Tier.objects.filter(pk=silver.pk).exists()


def test_tier_writes_are_for_admins_only(manager_client, api_client):
    # given
    program, _registered, silver, _gold = ladder()
    partner = PartnerFactory(type="channel")
    # when
    as_manager = manager_client.patch(f"/api/v1/programs/{program.pk}/tiers/{silver.pk}/", {"rank": 9}, format="json")
    as_partner = api_client.delete(f"/api/v1/programs/{program.pk}/tiers/{silver.pk}/", **_token(_login(partner)))
    # then
    assert as_manager.status_code == 403
    assert as_partner.status_code == 403
    silver.refresh_from_db()
    assert silver.rank == 2


# memberships ----------------------------------------------------------------------------------


def test_a_manager_enrols_a_partner_at_the_entry_tier(manager_client, make_partner):
    # given
    program, registered, _silver, _gold = ladder()
    partner = make_partner()
    # when
    response = manager_client.post(
        "/api/v1/memberships/", {"partner": partner.pk, "program": program.pk}, format="json"
    )
    # then
    assert response.status_code == 201
    assert response.json()["tier"] == registered.pk
    assert response.json()["state"] == "ok"
    assert TierChange.objects.get(membership_id=response.json()["id"]).direction == "joined"


def test_a_membership_in_a_program_not_meant_for_the_partner_type_is_a_409(manager_client, make_partner):
    # given
    program, *_ = ladder(name="Channel Partner Program")
    partner = make_partner(type="technology", name="Techno")
    # when
    response = manager_client.post(
        "/api/v1/memberships/", {"partner": partner.pk, "program": program.pk}, format="json"
    )
    # then
    assert response.status_code == 409
    assert response.json()["code"] == "program_not_for_partner_type"
    assert response.json()["detail"] == (
        "Channel Partner Program is for channel partners; Techno is a technology partner."
    )
    assert not Membership.objects.exists()


def test_a_partner_token_reads_its_own_memberships_and_posts_none(api_client):
    # given
    program, _registered, silver, gold = ladder()
    own = MembershipFactory(tier=silver, partner=PartnerFactory(type="channel"))
    other = MembershipFactory(tier=gold, partner=PartnerFactory(type="channel"))
    headers = _token(_login(own.partner))
    # when
    listed = api_client.get(f"/api/v1/memberships/?partner={other.partner_id}", **headers)
    everything = api_client.get("/api/v1/memberships/", **headers)
    posted = api_client.post(
        "/api/v1/memberships/", {"partner": own.partner_id, "program": program.pk}, format="json", **headers
    )
    # then
    assert listed.json()["results"] == []
    assert [row["id"] for row in everything.json()["results"]] == [own.pk]
    assert posted.status_code == 403


def test_memberships_filter_by_program_tier_and_state(manager_client):
    # given
    program, registered, silver, gold = ladder()
    at_silver = MembershipFactory(tier=silver)
    in_grace = MembershipFactory(tier=gold, state="grace")
    MembershipFactory(tier=registered)
    # when
    by_tier = manager_client.get(f"/api/v1/memberships/?tier={silver.pk}")
    by_state = manager_client.get(f"/api/v1/memberships/?program={program.pk}&state=grace")
    bad = manager_client.get("/api/v1/memberships/?state=asleep")
    # then
    assert [row["id"] for row in by_tier.json()["results"]] == [at_silver.pk]
    assert [row["id"] for row in by_state.json()["results"]] == [in_grace.pk]
    assert bad.status_code == 400 and "state" in bad.json()


def test_the_evaluation_has_the_api_md_shape_for_the_partners_own_token(api_client):
    # given: a Silver member (health 70) working towards Gold (80, 2 healthcare people, agreement)
    program, _registered, silver, gold = ladder()
    membership = MembershipFactory(tier=silver, partner=PartnerFactory(type="channel", health_score=70))
    headers = _token(_login(membership.partner, "partner_member"))
    # when
    response = api_client.get(f"/api/v1/memberships/{membership.pk}/evaluation/", **headers)
    # then
    assert response.status_code == 200
    body = response.json()
    assert {"membership", "program", "tier", "state", "grace_until", "next_tier", "requirements"} <= set(body)
    assert (body["membership"], body["program"], body["tier"]) == (membership.pk, program.pk, silver.pk)
    assert (body["state"], body["grace_until"], body["next_tier"]) == ("ok", None, gold.pk)
    score = next(r for r in body["requirements"] if r["key"] == "health_score")
    assert {"key", "label", "value", "threshold", "met"} <= set(score)
    assert (score["value"], score["threshold"], score["met"]) == (70, 80, False)
    assert {r["key"] for r in body["requirements"]} == {"health_score", "certified:healthcare", "agreement"}


def test_the_evaluation_of_another_organisations_membership_is_a_404(api_client):
    # given
    _program, _registered, silver, _gold = ladder()
    own = MembershipFactory(tier=silver, partner=PartnerFactory(type="channel"))
    other = MembershipFactory(tier=silver, partner=PartnerFactory(type="channel"))
    headers = _token(_login(own.partner))
    # when
    response = api_client.get(f"/api/v1/memberships/{other.pk}/evaluation/", **headers)
    # then
    assert response.status_code == 404


def test_a_manager_changes_the_tier_with_a_reason(manager_client, manager):
    # given
    _program, _registered, silver, gold = ladder()
    membership = MembershipFactory(tier=silver, partner=PartnerFactory(type="channel", owner=manager))
    # when
    without = manager_client.post(f"/api/v1/memberships/{membership.pk}/tier/", {"tier": gold.pk, "reason": " "})
    moved = manager_client.post(
        f"/api/v1/memberships/{membership.pk}/tier/", {"tier": gold.pk, "reason": "Strategic account"}
    )
    # then
    assert without.status_code == 400 and "reason" in without.json()
    assert moved.status_code == 200 and moved.json()["tier"] == gold.pk
    change = TierChange.objects.get(membership=membership)
    assert (change.direction, change.reason, change.approved_by) == ("upgrade", "Strategic account", manager)


def test_a_manager_not_owning_the_partner_may_not_change_its_tier(manager_client):
    # given
    _program, _registered, silver, gold = ladder()
    membership = MembershipFactory(tier=silver, partner=PartnerFactory(type="channel", owner=UserFactory()))
    # when
    response = manager_client.post(f"/api/v1/memberships/{membership.pk}/tier/", {"tier": gold.pk, "reason": "x"})
    # then
    assert response.status_code == 403


# downgrade proposals ----------------------------------------------------------------------------


def _proposal(owner, *, tier_names=("Silver", "Registered")):
    _program, registered, silver, _gold = ladder()
    membership = MembershipFactory(
        tier=silver, state="proposed_downgrade", partner=PartnerFactory(type="channel", owner=owner)
    )
    evidence = {
        "requirements": {
            "Silver": [
                {
                    "key": "health_score",
                    "label": "Health score",
                    "value": 40,
                    "threshold": 60,
                    "met": False,
                    "gap": "a health score of 60",
                }
            ]
        }
    }
    return DowngradeProposal.objects.create(
        membership=membership, partner=membership.partner, from_tier=silver, to_tier=registered, evidence=evidence
    )  # fmt: skip


def test_approving_a_proposal_moves_the_tier_and_keeps_approver_and_reason(manager_client, manager):
    # given
    proposal = _proposal(manager)
    # when
    listed = manager_client.get("/api/v1/downgrade-proposals/?state=pending")
    response = manager_client.post(
        f"/api/v1/downgrade-proposals/{proposal.pk}/approve/", {"reason": "Quiet all year"}, format="json"
    )
    # then
    assert [row["id"] for row in listed.json()["results"]] == [proposal.pk]
    assert response.status_code == 200 and response.json()["state"] == "approved"
    membership = Membership.objects.get(pk=proposal.membership_id)
    assert membership.tier == proposal.to_tier and membership.state == "ok"
    change = TierChange.objects.get(membership=membership)
    assert (change.direction, change.reason, change.approved_by) == ("downgrade", "Quiet all year", manager)
    assert change.evidence == proposal.evidence


def test_rejecting_a_proposal_needs_a_reason_and_keeps_the_tier(manager_client, manager):
    # given
    proposal = _proposal(manager)
    # when
    without = manager_client.post(f"/api/v1/downgrade-proposals/{proposal.pk}/reject/", {}, format="json")
    rejected = manager_client.post(
        f"/api/v1/downgrade-proposals/{proposal.pk}/reject/", {"reason": "New contract signed"}, format="json"
    )
    again = manager_client.post(f"/api/v1/downgrade-proposals/{proposal.pk}/approve/", {}, format="json")
    # then
    assert without.status_code == 400 and "reason" in without.json()
    assert rejected.status_code == 200 and rejected.json()["reason"] == "New contract signed"
    assert again.status_code == 409 and again.json()["code"] == "proposal_decided"
    membership = Membership.objects.get(pk=proposal.membership_id)
    assert membership.tier == proposal.from_tier and membership.state == "ok"


def test_only_the_partners_manager_or_an_admin_decides(api_client, admin_user):
    # given
    proposal = _proposal(UserFactory())
    other_manager, analyst = UserFactory(), UserFactory(role="analyst")
    # when
    api_client.force_authenticate(other_manager)
    by_other = api_client.post(f"/api/v1/downgrade-proposals/{proposal.pk}/approve/", {}, format="json")
    api_client.force_authenticate(analyst)
    by_analyst = api_client.post(f"/api/v1/downgrade-proposals/{proposal.pk}/approve/", {}, format="json")
    api_client.force_authenticate(admin_user)
    by_admin = api_client.post(f"/api/v1/downgrade-proposals/{proposal.pk}/approve/", {}, format="json")
    # then
    assert (by_other.status_code, by_analyst.status_code, by_admin.status_code) == (403, 403, 200)


def test_a_partner_token_sees_no_proposals(api_client, manager):
    # given
    proposal = _proposal(manager)
    headers = _token(_login(proposal.membership.partner))
    # when
    listed = api_client.get("/api/v1/downgrade-proposals/", **headers)
    detail = api_client.get(f"/api/v1/downgrade-proposals/{proposal.pk}/", **headers)
    # then
    assert listed.json()["results"] == []
    assert detail.status_code == 404


# query counts -------------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 20])
def test_program_list_query_count_is_flat(manager_client, rows, django_assert_max_num_queries):
    # given
    for _ in range(rows):
        _program, *tiers = ladder()
        MembershipFactory(tier=tiers[0])
    # when: count, page, tiers, member counts per tier
    with django_assert_max_num_queries(4):
        response = manager_client.get("/api/v1/programs/?page_size=20")
    # then
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [1, 20])
def test_membership_list_query_count_is_flat(manager_client, rows, django_assert_max_num_queries):
    # given
    _program, _registered, silver, _gold = ladder()
    MembershipFactory.create_batch(rows, tier=silver)
    # when: count, one page with partner, program, tier and recommended tier joined
    with django_assert_max_num_queries(2):
        response = manager_client.get("/api/v1/memberships/?page_size=20")
    # then
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [1, 20])
def test_proposal_list_query_count_is_flat(manager_client, manager, rows, django_assert_max_num_queries):
    # given
    for _ in range(rows):
        _proposal(manager)
    # when: count, one page with member, program and tiers joined
    with django_assert_max_num_queries(2):
        response = manager_client.get("/api/v1/downgrade-proposals/?page_size=20")
    # then
    assert len(response.json()["results"]) == rows
