"""The manager's program pages: the list, a program's ladder in words, the editor with errors next
to the fields (nothing saved on error), members with filters and "Add a member", a membership's
evaluation and history with the change-tier form, and the downgrade proposals to decide."""

import re

import pytest
from django.test import Client

from programs.strategies.models import Strategy
from programs.tiers.models import DowngradeProposal, Membership, Program, Tier, TierChange
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory
from tests.programs.portal_helpers import outcome
from tests.programs.tiers.factories import MembershipFactory, ProgramFactory, ladder

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin_client(admin_user):
    return _client(admin_user)


@pytest.fixture
def manager_client(manager):
    return _client(manager)


def _tier_post(program, tiers, delete=()):
    """The ladder editor's POST for ``tiers`` (dicts of the form's fields)."""
    data = {"tiers-TOTAL_FORMS": str(len(tiers)), "tiers-INITIAL_FORMS": str(program.tiers.count()),
            "tiers-MIN_NUM_FORMS": "0", "tiers-MAX_NUM_FORMS": "20"}  # fmt: skip
    for index, tier in enumerate(tiers):
        for name, value in tier.items():
            data[f"tiers-{index}-{name}"] = "on" if value is True else str(value)
        if tier.get("id") in delete:
            data[f"tiers-{index}-DELETE"] = "on"
    return data


def _current(tier) -> dict:
    values = {"id": tier.pk, "name": tier.name, "rank": tier.rank, "min_health_score": tier.min_health_score or "",
              "discount_percent": tier.discount_percent, "mdf_per_quarter": tier.mdf_per_quarter,
              "min_certified": ", ".join(f"{k}: {v}" for k, v in tier.min_certified.items())}  # fmt: skip
    if tier.requires_agreement:
        values["requires_agreement"] = True
    return values


def test_the_program_list_shows_types_tiers_and_members_per_tier(manager_client):
    # given
    _program, _registered, silver, _gold = ladder(name="Channel Partner Program", partner_types=["channel", "sales"])
    MembershipFactory.create_batch(2, tier=silver)
    # when
    response = manager_client.get("/programs/")
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "Channel Partner Program" in html
    assert ">channel</span>" in html and ">sales</span>" in html
    assert "2 members" in html


def test_the_program_list_has_an_empty_state(manager_client):
    # when
    response = manager_client.get("/programs/")
    # then
    assert "No programs yet" in response.content.decode()


@pytest.mark.parametrize("rows", [1, 20])
def test_program_list_page_query_count_is_flat(manager_client, rows, django_assert_max_num_queries):
    # given
    for _ in range(rows):
        _program, registered, *_ = ladder()
        MembershipFactory(tier=registered)
    # when: session, user, role, programs, tiers, member counts
    with django_assert_max_num_queries(7):
        response = manager_client.get("/programs/")
    # then
    assert response.content.decode().count('class="card h-100"') == rows


def test_a_program_page_says_each_tiers_requirements_and_benefits_in_words(manager_client):
    # given
    program, _registered, _silver, _gold = ladder()
    # when
    html = manager_client.get(f"/programs/{program.pk}/").content.decode()
    # then
    assert "2 people certified in healthcare" in html
    assert "a health score of at least 80" in html
    assert "EUR 5,000 of market development funds per quarter" in html
    assert "deal registrations protected for 120 days" in html
    assert "lead routing weight 300" in html
    assert "Benefits may be anything" in html


def test_an_admin_saves_the_ladder_together(admin_client):
    # given
    program, registered, silver, gold = ladder()
    tiers = [_current(registered), _current(silver), _current(gold)]
    tiers[2]["min_health_score"] = 85
    tiers.append({"name": "Platinum", "rank": 4, "min_health_score": 95, "min_certified": "healthcare: 5",
                  "requires_agreement": True, "discount_percent": 25, "mdf_per_quarter": 0})  # fmt: skip
    # when
    response = admin_client.post(f"/programs/{program.pk}/tiers/", _tier_post(program, tiers))
    # then
    assert response.status_code == 302
    assert list(program.tiers.values_list("name", "min_health_score")) == [
        ("Registered", None),
        ("Silver", 60),
        ("Gold", 85),
        ("Platinum", 95),
    ]
    assert Tier.objects.get(name="Platinum").min_certified == {"healthcare": 5}


def test_the_editor_shows_a_contradiction_next_to_the_field_and_saves_nothing(admin_client):
    # given
    program, registered, silver, gold = ladder()
    tiers = [_current(registered), _current(silver), _current(gold)]
    tiers[1]["name"] = "Silver renamed"
    tiers[2]["min_health_score"] = 50  # below Silver's 60
    tiers[2]["min_certified"] = "healthcare: 2, spaceflight: 1"
    # when
    response = admin_client.post(f"/programs/{program.pk}/tiers/", _tier_post(program, tiers))
    # then
    html = response.content.decode()
    assert response.status_code == 400
    assert re.search(r'id="id_tiers-2-min_health_score_error">[^<]*Gold asks less health score than Silver', html)
    assert re.search(r'id="id_tiers-2-min_certified_error">Unknown vertical: spaceflight', html)
    assert not Tier.objects.filter(name="Silver renamed").exists()
    gold.refresh_from_db()
    assert gold.min_health_score == 80


def test_the_editor_refuses_negative_thresholds_next_to_the_field(admin_client):
    # given
    program, registered, silver, gold = ladder()
    tiers = [_current(registered), _current(silver), _current(gold)]
    tiers[0]["min_revenue"] = "-100"
    # when
    response = admin_client.post(f"/programs/{program.pk}/tiers/", _tier_post(program, tiers))
    # then
    assert response.status_code == 400
    assert re.search(r'id="id_tiers-0-min_revenue_error">Must be zero or more', response.content.decode())
    assert Tier.objects.get(pk=registered.pk).min_revenue is None


def test_the_editor_refuses_to_delete_a_tier_with_members(admin_client):
    # given
    program, registered, silver, gold = ladder()
    MembershipFactory(tier=gold)
    tiers = [_current(registered), _current(silver), _current(gold)]
    # when
    response = admin_client.post(f"/programs/{program.pk}/tiers/", _tier_post(program, tiers, delete=[gold.pk]))
    # then
    assert response.status_code == 400
    assert "Gold has 1 member: move them to another tier first." in response.content.decode()
    assert Tier.objects.filter(pk=gold.pk).exists()


def test_managers_read_programs_but_do_not_edit_them(manager_client):
    # given
    program, *_ = ladder()
    # when
    editor = manager_client.get(f"/programs/{program.pk}/tiers/")
    new = manager_client.get("/programs/new/")
    # then
    assert (editor.status_code, new.status_code) == (403, 403)


def test_an_admin_creates_a_program_with_errors_next_to_the_fields(admin_client):
    # given
    ProgramFactory(name="Alliance", slug="alliance")
    # when
    missing = admin_client.post("/programs/new/", {"name": "Other", "slug": "other", "currency": "EUR",
                                                    "grace_days": 90})  # fmt: skip
    bad = admin_client.post("/programs/new/", {"name": "alliance", "slug": "alliance2", "currency": "eur",
                                                "grace_days": 90, "partner_types": ["sales"]})  # fmt: skip
    good = admin_client.post(
        "/programs/new/",
        {"name": "Channel", "slug": "channel", "currency": "EUR", "grace_days": 90, "partner_types": ["channel"]},
    )
    # then
    html = bad.content.decode()
    assert missing.status_code == 400 and 'id="id_partner_types_error"' in missing.content.decode()
    assert bad.status_code == 400
    assert re.search(r'id="id_name_error">Another program has this name', html)
    assert re.search(r'id="id_currency_error">An ISO 4217 code', html)
    assert Program.objects.count() == 2
    assert good.status_code == 302
    assert Program.objects.get(slug="channel").partner_types == ["channel"]


def test_members_are_listed_with_tier_state_grace_deadline_and_filters(manager_client):
    # given
    program, registered, silver, gold = ladder()
    MembershipFactory(tier=silver, partner=PartnerFactory(name="Alpha Ltd"))
    graced = MembershipFactory(tier=gold, partner=PartnerFactory(name="Bravo Ltd"), state="grace")
    graced.grace_until = graced.since.replace(year=graced.since.year + 1)
    graced.save()
    # when
    everyone = manager_client.get(f"/programs/{program.pk}/members/").content.decode()
    filtered = manager_client.get(f"/programs/{program.pk}/members/?state=grace&search=bra").content.decode()
    none = manager_client.get(f"/programs/{program.pk}/members/?tier={registered.pk}").content.decode()
    # then
    assert "Alpha Ltd" in everyone and "Bravo Ltd" in everyone
    assert f"Grace period until {graced.grace_until:%-d %b %Y}" in everyone
    assert "Bravo Ltd" in filtered and "Alpha Ltd" not in filtered
    assert "No member matches these filters" in none


@pytest.mark.parametrize("rows", [1, 20])
def test_members_page_query_count_is_flat(manager_client, rows, django_assert_max_num_queries):
    # given
    program, _registered, silver, _gold = ladder()
    MembershipFactory.create_batch(rows, tier=silver, partner__type="channel")
    # when: session, user, role, program, tiers, counts, the bounded count, the page, partners to add
    with django_assert_max_num_queries(10):
        response = manager_client.get(f"/programs/{program.pk}/members/")
    # then
    assert response.content.decode().count("/memberships/") == rows


def test_adding_a_partner_of_another_type_is_refused_with_a_clear_error(manager_client, manager):
    # given
    program, *_ = ladder(name="Channel Partner Program")
    partner = PartnerFactory(type="technology", name="Techno", owner=manager)
    # when
    response = manager_client.post(f"/programs/{program.pk}/members/add/", {"add-partner": partner.pk})
    # then
    assert response.status_code == 400
    assert "Channel Partner Program is for channel partners; Techno is a technology partner." in (
        response.content.decode()
    )
    assert not Membership.objects.exists()


def test_a_manager_adds_a_partner_they_own(manager_client, manager):
    # given
    program, _registered, silver, _gold = ladder()
    partner = PartnerFactory(type="channel", owner=manager)
    # when
    response = manager_client.post(
        f"/programs/{program.pk}/members/add/", {"add-partner": partner.pk, "add-tier": silver.pk}
    )
    # then
    membership = Membership.objects.get(partner=partner)
    assert response.status_code == 302 and response["Location"] == f"/memberships/{membership.pk}/"
    assert membership.tier == silver


def test_a_membership_page_shows_the_live_evaluation_and_history(manager_client, manager):
    # given
    _program, _registered, silver, _gold = ladder()
    membership = MembershipFactory(tier=silver, partner=PartnerFactory(type="channel", health_score=70, owner=manager))
    TierChange.objects.create(membership=membership, partner=membership.partner, to_tier=silver,
                              direction="joined", reason="Signed up at the fair", approved_by=manager)  # fmt: skip
    # when
    html = manager_client.get(f"/memberships/{membership.pk}/").content.decode()
    # then
    assert "70 / 80" in html  # Gold's health score
    assert 'aria-valuenow="87"' in html
    assert "Signed up at the fair" in html
    assert "Change the tier" in html


def test_changing_the_tier_needs_a_reason_and_keeps_it_in_the_history(manager_client, manager):
    # given
    _program, _registered, silver, gold = ladder()
    membership = MembershipFactory(tier=silver, partner=PartnerFactory(type="channel", owner=manager))
    url = f"/memberships/{membership.pk}/tier/"
    # when
    without = manager_client.post(url, {"change-tier": gold.pk, "change-reason": ""})
    moved = manager_client.post(
        url, {"change-tier": gold.pk, "change-reason": "Strategic", "change-expected_tier": silver.pk}
    )
    # then
    assert without.status_code == 400
    assert re.search(r'id="id_change-reason_error">Say why the tier changes', without.content.decode())
    assert moved.status_code == 302
    assert TierChange.objects.get(membership=membership).reason == "Strategic"


def _proposal(owner):
    _program, registered, silver, _gold = ladder()
    membership = MembershipFactory(tier=silver, state="proposed_downgrade",
                                   partner=PartnerFactory(type="channel", owner=owner, name="Quiet Co"))  # fmt: skip
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


def test_the_proposals_page_shows_evidence_and_the_count(manager_client, manager):
    # given
    _proposal(manager)
    # when
    html = manager_client.get("/tiers/proposals/").content.decode()
    badge = manager_client.get("/tiers/proposals/badge/").content.decode()
    # then
    assert "Quiet Co" in html and "Silver → Registered" in html
    assert "Health score: 40 / 60" in html and "needs a health score of 60" in html
    assert ">1<" in badge


def test_the_proposals_page_has_an_empty_state(manager_client):
    # when
    html = manager_client.get("/tiers/proposals/").content.decode()
    # then
    assert "Nothing to decide" in html


def test_approving_on_the_page_moves_the_member_down_with_approver_and_reason(manager_client, manager):
    # given
    proposal = _proposal(manager)
    # when
    response = manager_client.post(
        f"/tiers/proposals/{proposal.pk}/approve/", {f"approve-{proposal.pk}-reason": "No sales all year"}
    )
    # then
    assert response.status_code == 302
    change = TierChange.objects.get(membership=proposal.membership)
    assert (change.to_tier, change.reason, change.approved_by) == (proposal.to_tier, "No sales all year", manager)


def test_rejecting_on_the_page_needs_a_reason_next_to_the_field(manager_client, manager):
    # given
    proposal = _proposal(manager)
    # when
    without = manager_client.post(f"/tiers/proposals/{proposal.pk}/reject/", {f"reject-{proposal.pk}-reason": ""})
    rejected = manager_client.post(
        f"/tiers/proposals/{proposal.pk}/reject/", {f"reject-{proposal.pk}-reason": "Big deal coming"}
    )
    # then
    assert without.status_code == 400
    assert re.search(
        rf'id="id_reject-{proposal.pk}-reason_error">Say why the member keeps its tier', without.content.decode()
    )
    assert rejected.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.state, proposal.reason) == ("rejected", "Big deal coming")


def test_a_manager_not_owning_the_partner_cannot_decide_on_the_page(manager_client):
    # given
    proposal = _proposal(UserFactory())
    # when
    page = manager_client.get("/tiers/proposals/").content.decode()
    response = manager_client.post(f"/tiers/proposals/{proposal.pk}/approve/", {})
    # then
    assert "Only Quiet Co's partner manager or an administrator decides." in page
    assert response.status_code == 403
    proposal.refresh_from_db()
    assert proposal.state == "pending"


@pytest.mark.parametrize("rows", [1, 20])
def test_proposals_page_query_count_is_flat(manager_client, manager, rows, django_assert_max_num_queries):
    # given
    for _ in range(rows):
        _proposal(manager)
    # when: session, user, role, the bounded count, one page with member, partner, program and tiers
    with django_assert_max_num_queries(6):
        response = manager_client.get("/tiers/proposals/")
    # then
    assert response.content.decode().count("data-proposal=") == rows


def test_the_partner_page_shows_its_memberships_and_add_to_program(manager_client, manager):
    # given
    _program, _registered, silver, _gold = ladder(name="Channel Partner Program")
    ProgramFactory(name="Second Program")
    partner = PartnerFactory(type="channel", owner=manager)
    membership = MembershipFactory(tier=silver, partner=partner, state="grace")
    membership.grace_until = membership.since.replace(year=membership.since.year + 1)
    membership.save()
    # when
    html = manager_client.get(f"/partners/{partner.pk}/").content.decode()
    # then
    assert f'href="/memberships/{membership.pk}/"' in html
    assert f"Grace period until {membership.grace_until:%-d %b %Y}" in html
    assert "Add to program" in html and "Second Program" in html


def test_a_tier_change_outcome_is_applied_from_the_inbox(manager_client, manager):
    # given: the evaluation recommended Gold for a Silver member
    _program, _registered, silver, gold = ladder()
    membership = MembershipFactory(tier=silver, partner=PartnerFactory(type="channel", owner=manager))
    strategy = Strategy.objects.get(partner_type="channel")
    recommended = outcome(
        membership.partner, strategy=strategy, rule_kind="tier_evaluation", kind="tier_change",
        title="Upgrade to Gold", evidence={"membership": membership.pk, "action": "upgrade", "target": gold.pk,
                                           "tier_id": silver.pk},
    )  # fmt: skip
    # when
    inbox = manager_client.get("/inbox/?everyone=on").content.decode()
    response = manager_client.post(f"/inbox/{recommended.pk}/apply/")
    # then
    assert f'formaction="/inbox/{recommended.pk}/apply/"' in inbox
    assert response.status_code == 302
    membership.refresh_from_db()
    recommended.refresh_from_db()
    assert membership.tier == gold
    assert recommended.state == "applied"
