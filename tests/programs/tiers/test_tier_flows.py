"""Tier evaluation through real strategy runs: a member below its tier enters a grace period,
gets a downgrade proposal after it, and a manager approves or rejects it; upgrades are
recommended and applied from the inbox, or applied by the run when the program says so."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from partners.models import Activity
from partners.outbox.models import Event
from programs.deals.models import Deal
from programs.strategies.facts import partner_facts
from programs.strategies.models import Outcome, Strategy
from programs.strategies.rules.tier_evaluation import TierEvaluation
from programs.strategies.services import outcome_apply, run_start, strategy_publish
from programs.tiers.models import DowngradeProposal, Membership, Program, Tier, TierChange
from programs.tiers.services import (
    MembershipExists,
    ProgramNotForPartnerType,
    ProposalDecided,
    downgrade_approve,
    downgrade_reject,
    membership_create,
    tier_evaluations_apply,
)
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db


def _program(auto_upgrade=False, grace_days=90) -> Program:
    program = Program.objects.create(
        name="Channel Partner Program", slug="channel-program", partner_types=["channel", "sales"],
        auto_upgrade=auto_upgrade, grace_days=grace_days,
    )  # fmt: skip
    Tier.objects.create(program=program, name="Registered", rank=1)
    Tier.objects.create(program=program, name="Silver", rank=2, min_won_deals=2)
    Tier.objects.create(program=program, name="Gold", rank=3, min_won_deals=4, min_revenue=100_000)
    return program


def _tier(program, name) -> Tier:
    return program.tiers.get(name=name)


def _won(partner, count, amount=30_000):
    for _ in range(count):
        Deal.objects.create(
            partner=partner, customer_company="Acme", company_key="acme", customer_domain="acme.com",
            amount=amount, currency="EUR", expected_close_on=date.today(), state="won",
            closed_on=date.today() - timedelta(days=10), closed_amount=amount,
        )  # fmt: skip


def _run(strategy, manager, capture):
    with capture(execute=True):
        run = run_start(strategy_id=strategy.pk, actor=manager, trigger="manual")
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    return run


@pytest.fixture
def strategy(manager):
    strategy = Strategy.objects.get(partner_type="channel")
    strategy_publish(
        strategy_id=strategy.pk, actor=manager,
        rules=[{"kind": "tier_evaluation", "params": {"program": "channel-program", "every_days": 91}}],
    )  # fmt: skip
    return strategy


def test_below_its_tier_a_member_gets_grace_then_a_proposal_that_a_manager_approves(
    manager, strategy, django_capture_on_commit_callbacks, time_machine
):
    # given a channel partner owned by the manager, at Silver without the won deals Silver needs
    program = _program()
    partner = PartnerFactory(type="channel", status="active", owner=manager)
    membership = membership_create(partner_id=partner.pk, program_id=program.pk, actor=manager,
                                   tier_id=_tier(program, "Silver").pk)  # fmt: skip
    start = timezone.localdate()
    # when the strategy runs
    _run(strategy, manager, django_capture_on_commit_callbacks)
    # then the member is in grace until 90 days from now, the manager has an alert, the partner a notice
    membership.refresh_from_db()
    assert (membership.state, membership.grace_started_on, membership.grace_until) == (
        "grace", start, start + timedelta(days=90),
    )  # fmt: skip
    open_outcomes = Outcome.objects.filter(partner=partner, state="open", rule_kind="tier_evaluation")
    assert sorted(open_outcomes.values_list("kind", "audience")) == [("alert", "manager"), ("notification", "partner")]
    grace_event = Event.objects.get(type="tier.grace_started", partner_id=partner.pk)
    assert grace_event.data["grace_until"] == (start + timedelta(days=90)).isoformat()
    assert "2 more won deals" in grace_event.data["gaps"]

    # when it runs again on day 89: nothing new, nothing doubled
    time_machine.move_to(timezone.now() + timedelta(days=89))
    _run(strategy, manager, django_capture_on_commit_callbacks)
    assert Event.objects.filter(type="tier.grace_started").count() == 1
    assert not DowngradeProposal.objects.exists()
    assert open_outcomes.count() == 2

    # when it runs on day 90, still below Silver
    time_machine.move_to(timezone.now() + timedelta(days=1))
    _run(strategy, manager, django_capture_on_commit_callbacks)
    _run(strategy, manager, django_capture_on_commit_callbacks)  # twice: still one proposal
    # then a downgrade to Registered is proposed, with the evidence
    membership.refresh_from_db()
    assert membership.state == "proposed_downgrade"
    [proposal] = DowngradeProposal.objects.all()
    assert (proposal.from_tier.name, proposal.to_tier.name, proposal.state) == ("Silver", "Registered", "pending")
    [requirement] = proposal.evidence["requirements"]["Silver"]
    assert (requirement["key"], requirement["value"], requirement["threshold"], requirement["met"]) == (
        "won_deals", 0, 2, False,
    )  # fmt: skip
    assert Event.objects.filter(type="tier.downgrade_proposed", partner_id=partner.pk).count() == 1
    assert Outcome.objects.filter(partner=partner, state="open", kind="tier_change").count() == 1

    # when the manager approves
    downgrade_approve(proposal_id=proposal.pk, actor=manager, reason="No deals all year.")
    # then the member is Registered, and the history keeps reason, evidence and approver
    membership.refresh_from_db()
    assert (membership.tier.name, membership.state, membership.grace_until) == ("Registered", "ok", None)
    change = TierChange.objects.filter(membership=membership).first()
    assert (change.direction, change.from_tier.name, change.to_tier.name) == ("downgrade", "Silver", "Registered")
    assert (change.reason, change.approved_by, change.evidence) == ("No deals all year.", manager, proposal.evidence)
    assert Event.objects.filter(type="tier.changed", data__direction="downgrade").count() == 1
    assert not Outcome.objects.filter(partner=partner, state="open", rule_kind="tier_evaluation").exists()
    assert Activity.objects.filter(partner=partner, kind="tier").count() >= 3
    with pytest.raises(ProposalDecided):
        downgrade_reject(proposal_id=proposal.pk, actor=manager, reason="Too late")


def test_a_rejected_downgrade_keeps_the_tier_until_the_next_review(
    manager, strategy, django_capture_on_commit_callbacks, time_machine
):
    program = _program(grace_days=10)
    partner = PartnerFactory(type="channel", status="active", owner=manager)
    membership = membership_create(partner_id=partner.pk, program_id=program.pk, actor=manager,
                                   tier_id=_tier(program, "Silver").pk)  # fmt: skip
    _run(strategy, manager, django_capture_on_commit_callbacks)
    time_machine.move_to(timezone.now() + timedelta(days=10))
    _run(strategy, manager, django_capture_on_commit_callbacks)
    proposal = DowngradeProposal.objects.get()
    # an analyst may not decide; a reason is required
    with pytest.raises(PermissionDenied):
        downgrade_reject(proposal_id=proposal.pk, actor=UserFactory(role="analyst"), reason="no")
    # when
    downgrade_reject(proposal_id=proposal.pk, actor=manager, reason="Two deals close next week.")
    # then
    membership.refresh_from_db()
    assert (membership.tier.name, membership.state, membership.evaluated_on) == ("Silver", "ok", timezone.localdate())
    proposal.refresh_from_db()
    assert (proposal.state, proposal.reason, proposal.decided_by) == ("rejected", "Two deals close next week.", manager)
    assert Outcome.objects.get(kind="tier_change", partner=partner).state == "dismissed"
    # and the next run does not start a grace period before the review cadence comes round
    _run(strategy, manager, django_capture_on_commit_callbacks)
    membership.refresh_from_db()
    assert membership.state == "ok"


def test_an_upgrade_is_recommended_and_applied_from_the_inbox(manager, strategy, django_capture_on_commit_callbacks):
    program = _program()
    partner = PartnerFactory(type="channel", status="active", owner=manager)
    membership = membership_create(partner_id=partner.pk, program_id=program.pk, actor=manager)
    _won(partner, 2)
    _run(strategy, manager, django_capture_on_commit_callbacks)
    membership.refresh_from_db()
    assert (membership.tier.name, membership.recommended_tier.name) == ("Registered", "Silver")
    outcome = Outcome.objects.get(partner=partner, kind="tier_change", state="open")
    # when the manager applies it
    outcome_apply(outcome_id=outcome.pk, actor=manager)
    # then
    membership.refresh_from_db()
    assert (membership.tier.name, membership.since, membership.recommended_tier) == (
        "Silver", timezone.localdate(), None,
    )  # fmt: skip
    outcome.refresh_from_db()
    assert outcome.state == "applied"
    change = TierChange.objects.filter(membership=membership, direction="upgrade").get()
    assert (change.approved_by, change.evidence["requirements"]["Silver"][0]["met"]) == (manager, True)
    assert Event.objects.filter(type="tier.changed", data__direction="upgrade", partner_id=partner.pk).exists()


def test_an_auto_upgrading_program_moves_the_member_in_the_run(manager, strategy, django_capture_on_commit_callbacks):
    program = _program(auto_upgrade=True)
    partner = PartnerFactory(type="channel", status="active", owner=manager)
    membership = membership_create(partner_id=partner.pk, program_id=program.pk, actor=manager)
    _won(partner, 4)  # 120,000 EUR over 4 deals: Gold
    _run(strategy, manager, django_capture_on_commit_callbacks)
    _run(strategy, manager, django_capture_on_commit_callbacks)  # a second run changes nothing
    membership.refresh_from_db()
    assert membership.tier.name == "Gold"
    change = TierChange.objects.get(membership=membership, direction="upgrade")
    assert (change.from_tier.name, change.approved_by) == ("Registered", None)
    assert "upgrades automatically" in change.reason
    assert Outcome.objects.get(partner=partner, kind="tier_change").state == "applied"


def test_meeting_the_tier_again_ends_the_grace_period(manager, strategy, django_capture_on_commit_callbacks):
    program = _program()
    partner = PartnerFactory(type="channel", status="active", owner=manager)
    membership = membership_create(partner_id=partner.pk, program_id=program.pk, actor=manager,
                                   tier_id=_tier(program, "Silver").pk)  # fmt: skip
    _run(strategy, manager, django_capture_on_commit_callbacks)
    _won(partner, 2)
    _run(strategy, manager, django_capture_on_commit_callbacks)
    membership.refresh_from_db()
    assert (membership.state, membership.grace_until) == ("ok", None)
    assert Event.objects.filter(type="tier.grace_ended", partner_id=partner.pk).count() == 1
    assert not Outcome.objects.filter(partner=partner, state="open", rule_kind="tier_evaluation").exists()


def test_a_preview_changes_no_membership(manager, strategy, django_capture_on_commit_callbacks):
    program = _program()
    partner = PartnerFactory(type="channel", status="active", owner=manager)
    membership = membership_create(partner_id=partner.pk, program_id=program.pk, actor=manager,
                                   tier_id=_tier(program, "Silver").pk)  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        run_start(strategy_id=strategy.pk, actor=manager, trigger="manual", dry_run=True)
    membership.refresh_from_db()
    assert (membership.state, membership.evaluated_on) == ("ok", None)


def test_membership_is_refused_for_a_program_not_meant_for_the_type_and_given_once(manager):
    program = _program()
    technology = PartnerFactory(type="technology")
    with pytest.raises(ProgramNotForPartnerType, match="for channel, sales partners"):
        membership_create(partner_id=technology.pk, program_id=program.pk, actor=manager)
    assert not Membership.objects.exists()
    channel = PartnerFactory(type="channel")
    membership_create(partner_id=channel.pk, program_id=program.pk, actor=manager)
    with pytest.raises(MembershipExists):
        membership_create(partner_id=channel.pk, program_id=program.pk, actor=manager)
    joined = TierChange.objects.get()
    assert (joined.direction, joined.to_tier.name, joined.from_tier) == ("joined", "Registered", None)


def test_a_review_moving_many_members_into_grace_takes_a_fixed_number_of_queries():
    # given two batches of Silver members without the won deals Silver needs
    program = _program()
    silver = _tier(program, "Silver")
    rule = TierEvaluation({"program": "channel-program"})
    today = timezone.localdate()

    def effects_for(count):
        partners = PartnerFactory.create_batch(count, type="channel", status="active")
        for partner in partners:
            Membership.objects.create(partner=partner, program=program, tier=silver, since=today)
        facts = partner_facts(partner_ids=[partner.pk for partner in partners], today=today)
        return [(pk, effect) for pk, partner in facts.items() for effect in rule.effects(partner)]

    small, large = effects_for(2), effects_for(20)
    # when
    with CaptureQueriesContext(connection) as few:
        tier_evaluations_apply(effects=small, strategy_id=0, today=today)
    with CaptureQueriesContext(connection) as many:
        tier_evaluations_apply(effects=large, strategy_id=0, today=today)
    # then
    assert len(few.captured_queries) == len(many.captured_queries)
    assert Membership.objects.filter(state="grace", evaluated_on=today).count() == 22
    assert Event.objects.filter(type="tier.grace_started").count() == 22
    assert Activity.objects.filter(kind="tier", message__startswith="Below its tier").count() == 22
    # and applying the same effects again changes nothing
    tier_evaluations_apply(effects=large, strategy_id=0, today=today)
    assert Event.objects.filter(type="tier.grace_started").count() == 22
