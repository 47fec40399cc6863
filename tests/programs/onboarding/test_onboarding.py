"""Onboarding checklists: started once when a partner enters onboarding (whatever moved it),
automatic items completing themselves from events and from the sweep, manual ticks, completion
into active, overdue announcements, and the onboarding_deadline rule for a late partner."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from partners.models import Activity, Partner, PartnerUser
from partners.outbox.models import Event
from partners.outbox.services import event_record, outbox_dispatch
from partners.services import partner_change_status, partner_create
from programs.deals.services import deal_register
from programs.onboarding.models import Onboarding, OnboardingItem, OnboardingStep
from programs.onboarding.services import (
    ItemAutomatic,
    OnboardingNotAllowed,
    agreement_accept,
    onboarding_events_handle,
    onboarding_item_complete,
    onboardings_announce_overdue,
    onboardings_sweep,
)
from programs.strategies.facts import partner_facts
from programs.strategies.rules.onboarding_deadline import OnboardingDeadline
from tests.factories import UserFactory
from tests.programs.certifications.helpers import record as record_certification
from tests.programs.onboarding.conftest import login, make_checklist, publish

pytestmark = pytest.mark.django_db


def dispatch(capture) -> None:
    """Fan out every pending event, and what that records, as the worker would."""
    with capture(execute=True), transaction.atomic():
        outbox_dispatch()


def _enter(partner, capture, *, actor=None):
    partner_change_status(partner_id=partner.pk, actor=actor, status="onboarding")
    dispatch(capture)
    partner.refresh_from_db()


def _done(partner) -> set[str]:
    return set(OnboardingStep.objects.filter(onboarding__partner=partner).values_list("item__title", flat=True))


def test_entering_onboarding_starts_one_checklist_even_when_the_event_comes_twice(
    alpha, django_capture_on_commit_callbacks
):
    # given
    make_checklist()
    # when: a manager moves the partner; the channel then sees its event a second time
    _enter(alpha, django_capture_on_commit_callbacks, actor=UserFactory())
    event = Event.objects.get(type="partner.status_changed", partner_id=alpha.pk)
    with transaction.atomic():
        onboarding_events_handle([event])
        onboarding_events_handle([event])
    # then
    onboarding = Onboarding.objects.get(partner=alpha)
    assert (onboarding.state, onboarding.started_on) == ("in_progress", timezone.localdate())
    assert Event.objects.filter(type="onboarding.started", partner_id=alpha.pk).count() == 1


def test_a_partner_created_in_onboarding_and_one_imported_without_events_both_get_one(
    django_capture_on_commit_callbacks,
):
    # given
    make_checklist()
    created = partner_create(actor=None, name="Created Co", type="channel", country="DE", status="onboarding")
    dispatch(django_capture_on_commit_callbacks)
    silent = Partner.objects.create(name="Silent Co", slug="silent", type="channel", country="FR", status="onboarding")
    # when: the hourly sweep, twice
    first = onboardings_sweep()
    second = onboardings_sweep()
    # then
    assert Onboarding.objects.filter(partner=created).count() == 1
    assert Onboarding.objects.filter(partner=silent).count() == 1
    assert first["started"] == 1 and second["started"] == 0


def test_a_type_without_checklist_gets_none(alpha, django_capture_on_commit_callbacks):
    make_checklist(partner_type="sales")
    _enter(alpha, django_capture_on_commit_callbacks)
    assert not Onboarding.objects.exists()


def test_each_automatic_item_completes_itself_from_its_event(alpha, django_capture_on_commit_callbacks):
    # given: a checklist of the four automatic items and one manual
    make_checklist(
        autos=("agreement_accepted", "colleague_invited", "first_certification", "first_deal"), manual=("Kick-off",)
    )
    template = publish()
    admin = login(alpha)
    _enter(alpha, django_capture_on_commit_callbacks)
    assert _done(alpha) == set()
    # when: the agreement is accepted
    agreement_accept(partner_id=alpha.pk, actor=admin, template_id=template.pk, typed_name="Ada Lovelace")
    dispatch(django_capture_on_commit_callbacks)
    assert _done(alpha) == {"Auto agreement_accepted"}
    # when: a colleague gets a login (the invitation accepted is the event)
    PartnerUser.objects.create(user=UserFactory(is_staff=False), partner=alpha, role="partner_member")
    event_record(type="invitation.accepted", object_type="invitation", object_id=1, partner_id=alpha.pk, data={})
    dispatch(django_capture_on_commit_callbacks)
    assert "Auto colleague_invited" in _done(alpha)
    # when: a certification is recorded for one of its contacts
    with django_capture_on_commit_callbacks(execute=True):
        record_certification(alpha, actor=admin)
    dispatch(django_capture_on_commit_callbacks)
    assert "Auto first_certification" in _done(alpha)
    # when: the first deal is registered
    deal_register(
        partner_id=alpha.pk, actor=admin, customer_company="Acme", customer_domain="acme.com", amount=1000,
        currency="EUR", expected_close_on=timezone.localdate() + timedelta(days=30),
    )  # fmt: skip
    dispatch(django_capture_on_commit_callbacks)
    # then: every automatic item is done, by itself, and the partner still onboards (one manual left)
    assert _done(alpha) == {
        "Auto agreement_accepted", "Auto colleague_invited", "Auto first_certification", "Auto first_deal"
    }  # fmt: skip
    assert all(OnboardingStep.objects.filter(onboarding__partner=alpha).values_list("automatic", flat=True))
    alpha.refresh_from_db()
    assert alpha.status == "onboarding"
    assert Event.objects.filter(type="onboarding.item_completed", partner_id=alpha.pk).count() == 4


def test_the_sweep_completes_what_no_event_reported(alpha, django_capture_on_commit_callbacks):
    # given: the partner registered a deal before its checklist existed, and its events were lost
    Partner.objects.filter(pk=alpha.pk).update(status="active")
    deal_register(
        partner_id=alpha.pk, actor=None, customer_company="Acme", customer_domain="acme.com", amount=1000,
        currency="EUR", expected_close_on=timezone.localdate() + timedelta(days=30),
    )  # fmt: skip
    Event.objects.all().delete()
    make_checklist(autos=("first_deal",), manual=("Kick-off",))
    Partner.objects.filter(pk=alpha.pk).update(status="onboarding")
    # when
    result = onboardings_sweep()
    # then
    assert result["started"] == 1
    assert _done(alpha) == {"Auto first_deal"}


def test_the_last_item_completes_onboarding_and_activates_the_partner_once(
    alpha, owner, django_capture_on_commit_callbacks
):
    # given: one automatic and one manual item
    make_checklist(autos=("agreement_accepted",), manual=("Kick-off call",))
    template = publish()
    admin = login(alpha)
    _enter(alpha, django_capture_on_commit_callbacks)
    onboarding = Onboarding.objects.get(partner=alpha)
    manual = OnboardingItem.objects.get(title="Kick-off call")
    onboarding_item_complete(onboarding_id=onboarding.pk, item_id=manual.pk, actor=admin)
    alpha.refresh_from_db()
    assert alpha.status == "onboarding"
    # when: the agreement, the last item, is accepted; its event is dispatched twice over
    agreement_accept(partner_id=alpha.pk, actor=admin, template_id=template.pk, typed_name="Ada Lovelace")
    dispatch(django_capture_on_commit_callbacks)
    with transaction.atomic():
        onboarding_events_handle(list(Event.objects.filter(type="agreement.accepted")))
    onboardings_sweep()
    # then
    alpha.refresh_from_db()
    onboarding.refresh_from_db()
    assert alpha.status == "active"
    assert onboarding.state == "completed" and onboarding.completed_at is not None
    assert Event.objects.filter(type="onboarding.completed", partner_id=alpha.pk).count() == 1
    moves = Event.objects.filter(type="partner.status_changed", partner_id=alpha.pk, data__status="active")
    assert moves.count() == 1


def test_manual_ticks_by_admin_and_manager_but_not_by_a_member(alpha, owner, django_capture_on_commit_callbacks):
    # given
    make_checklist(autos=("first_deal",), manual=("Kick-off call", "Training"))
    _enter(alpha, django_capture_on_commit_callbacks)
    onboarding = Onboarding.objects.get(partner=alpha)
    kickoff, training = OnboardingItem.objects.filter(auto="none").order_by("position")
    automatic = OnboardingItem.objects.get(auto="first_deal")
    member, admin = login(alpha, role="partner_member"), login(alpha)
    # when / then: a member may not, an admin ticks a manual item but not an automatic one
    with pytest.raises(OnboardingNotAllowed):
        onboarding_item_complete(onboarding_id=onboarding.pk, item_id=kickoff.pk, actor=member)
    with pytest.raises(OnboardingNotAllowed):
        onboarding_item_complete(onboarding_id=onboarding.pk, item_id=kickoff.pk, actor=UserFactory())  # not owner
    step = onboarding_item_complete(onboarding_id=onboarding.pk, item_id=kickoff.pk, actor=admin)
    assert (step.completed_by, step.automatic) == (admin, False)
    with pytest.raises(ItemAutomatic):
        onboarding_item_complete(onboarding_id=onboarding.pk, item_id=automatic.pk, actor=admin)
    # the partner's manager may record anything, the automatic item included
    onboarding_item_complete(onboarding_id=onboarding.pk, item_id=training.pk, actor=owner)
    onboarding_item_complete(onboarding_id=onboarding.pk, item_id=automatic.pk, actor=owner)
    # then
    onboarding.refresh_from_db()
    alpha.refresh_from_db()
    assert onboarding.state == "completed"
    assert alpha.status == "active"


def test_leaving_onboarding_early_cancels_the_checklist(alpha, owner, django_capture_on_commit_callbacks):
    # given
    make_checklist()
    _enter(alpha, django_capture_on_commit_callbacks)
    # when: the manager activates the partner by hand
    partner_change_status(partner_id=alpha.pk, actor=owner, status="active")
    dispatch(django_capture_on_commit_callbacks)
    # then
    assert Onboarding.objects.get(partner=alpha).state == "cancelled"
    assert Event.objects.filter(type="onboarding.cancelled", partner_id=alpha.pk).exists()


def test_overdue_items_are_announced_once_and_again_when_more_fall_due(alpha, django_capture_on_commit_callbacks):
    # given: items due after 7 and 14 days
    make_checklist(autos=("agreement_accepted",), manual=("Kick-off call",))
    _enter(alpha, django_capture_on_commit_callbacks)
    start = Onboarding.objects.get(partner=alpha).started_on
    # when / then
    assert onboardings_announce_overdue(today=start + timedelta(days=7)) == 0
    assert onboardings_announce_overdue(today=start + timedelta(days=8)) == 1
    assert onboardings_announce_overdue(today=start + timedelta(days=9)) == 0
    assert onboardings_announce_overdue(today=start + timedelta(days=15)) == 1
    events = list(Event.objects.filter(type="onboarding.items_overdue").order_by("pk"))
    assert [len(event.data["overdue"]) for event in events] == [1, 2]


def test_the_manager_is_told_of_completion_and_overdue_items_and_the_partner_of_completion(
    alpha, owner, django_capture_on_commit_callbacks
):
    from partners.notifications.models import Notification

    # given
    make_checklist(autos=(), manual=("Kick-off call",))
    admin = login(alpha)
    member = login(alpha, role="partner_member")
    _enter(alpha, django_capture_on_commit_callbacks)
    onboardings_announce_overdue(today=timezone.localdate() + timedelta(days=30))
    onboarding = Onboarding.objects.get(partner=alpha)
    # when
    onboarding_item_complete(onboarding_id=onboarding.pk, item_id=OnboardingItem.objects.get().pk, actor=admin)
    dispatch(django_capture_on_commit_callbacks)
    # then
    staff = set(Notification.objects.filter(user=owner).values_list("event_type", flat=True))
    assert {"onboarding.completed", "onboarding.items_overdue"} <= staff
    partner_side = set(Notification.objects.filter(user=member).values_list("event_type", flat=True))
    assert {"onboarding.started", "onboarding.completed"} <= partner_side


def test_the_onboarding_deadline_rule_escalates_a_partner_late_with_its_checklist(
    alpha, django_capture_on_commit_callbacks
):
    # given: the partner entered onboarding 61 days ago and its checklist is not complete
    make_checklist()
    _enter(alpha, django_capture_on_commit_callbacks)
    Activity.objects.filter(partner=alpha, kind="status_changed").update(created_at=timezone.now() - timedelta(days=61))
    today = timezone.localdate()
    # when
    late = partner_facts(partner_ids=[alpha.pk], today=today)[alpha.pk]
    outcomes = OnboardingDeadline({"days": 60}).evaluate(late)
    # then
    assert [outcome.kind for outcome in outcomes] == ["alert"]
    assert outcomes[0].evidence["days_onboarding"] == 61
