"""Every write the issue names records its event, with the payload receivers rely on."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from partners.invitations.services import invitation_accept, invitation_send, invitation_token
from partners.models import PartnerUser
from partners.outbox.models import Event
from partners.records.services import document_add, review_record
from partners.services import (
    contact_add,
    contact_update,
    partner_change_status,
    partners_mark_inactive,
)
from partners.users import user_create, user_deactivate
from programs.strategies.models import Outcome, Strategy, StrategyRun
from programs.strategies.services import outcome_set_state, run_start, strategy_publish
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


def _events(type):
    return list(Event.objects.filter(type=type).order_by("id"))


def test_a_status_change_names_the_move(manager):
    # given
    partner = PartnerFactory(status="prospect")
    # when
    partner_change_status(partner_id=partner.pk, actor=manager, status="onboarding")
    # then
    [event] = _events("partner.status_changed")
    assert event.data["changes"] == {"status": {"from": "prospect", "to": "onboarding"}}
    assert event.data["status"] == "onboarding"


def test_contacts_record_created_and_updated(manager):
    # given
    partner = PartnerFactory()
    # when
    contact = contact_add(partner_id=partner.pk, actor=manager, name="Ada", email="Ada@Helix.example")
    contact_update(contact_id=contact.pk, actor=manager, title="CTO")
    # then
    [created] = _events("contact.created")
    [updated] = _events("contact.updated")
    assert (created.object_id, created.partner_id, created.data["email"]) == (
        str(contact.pk),
        partner.pk,
        "ada@helix.example",
    )
    assert updated.data["changes"] == {"title": {"from": "", "to": "CTO"}}


def test_an_upload_by_the_partner_says_so(manager):
    # given
    partner = PartnerFactory()
    partner_admin = UserFactory(is_staff=False)
    PartnerUser.objects.create(user=partner_admin, partner=partner, role="partner_admin")
    # when
    by_manager = document_add(
        partner_id=partner.pk, actor=manager, kind="nda", title="NDA", file=SimpleUploadedFile("n.pdf", PDF)
    )
    by_partner = document_add(
        partner_id=partner.pk, actor=partner_admin, kind="kyc", title="KYC", file=SimpleUploadedFile("k.pdf", PDF)
    )
    # then
    events = _events("document.uploaded")
    assert [(e.data["id"], e.data["kind"], e.data["by_partner"]) for e in events] == [
        (by_manager.pk, "nda", False),
        (by_partner.pk, "kyc", True),
    ]


def test_a_recorded_review_is_an_event(manager):
    # given
    partner = PartnerFactory()
    # when
    review = review_record(partner_id=partner.pk, actor=manager, held_on=date.today(), kind="business_review")
    # then
    [event] = _events("review.recorded")
    assert (event.data["id"], event.data["partner"], event.data["by_partner"]) == (review.pk, partner.pk, False)


def test_accepting_an_invitation_and_deactivating_a_login_are_events(admin_user, settings):
    # given
    settings.SITE_URL = "https://prm.example.com"
    partner = PartnerFactory()
    invitation = invitation_send(actor=admin_user, email="nora@alpha.example", role="partner_member", partner=partner)
    # when
    user = invitation_accept(token=invitation_token(invitation), password="a-long-enough-pass-9", name="Nora Alpha")
    user_deactivate(user_id=user.pk, actor=admin_user)
    user_deactivate(user_id=user.pk, actor=admin_user)  # twice: one event
    # then
    [accepted] = _events("invitation.accepted")
    assert (accepted.partner_id, accepted.data["user"], accepted.data["invited_by"]) == (
        partner.pk,
        user.pk,
        admin_user.pk,
    )
    [deactivated] = _events("user.deactivated")
    assert (deactivated.object_id, deactivated.partner_id) == (str(user.pk), partner.pk)


def test_a_staff_login_deactivated_concerns_no_partner(admin_user):
    # given
    analyst = user_create(actor=admin_user, email="sam@vendor.example", name="Sam Lee", role="analyst")
    # when
    user_deactivate(user_id=analyst.pk, actor=admin_user)
    # then
    [event] = _events("user.deactivated")
    assert event.partner_id is None


def test_the_nightly_inactivity_job_records_one_status_event_per_partner():
    # given
    long_ago = timezone.now() - timedelta(days=200)
    quiet = PartnerFactory.create_batch(3, status="active", last_activity_at=long_ago)
    PartnerFactory(status="active", last_activity_at=timezone.now())
    # when
    partners_mark_inactive(days=90)
    # then
    events = _events("partner.status_changed")
    assert sorted(e.partner_id for e in events) == sorted(p.pk for p in quiet)
    assert all(e.data["changes"] == {"status": {"from": "active", "to": "inactive"}} for e in events)


def test_a_run_records_its_outcomes_and_its_end_and_a_manager_closing_one(manager, django_capture_on_commit_callbacks):
    # given
    strategy = Strategy.objects.get(partner_type="business")
    strategy_publish(
        strategy_id=strategy.pk, actor=manager, rules=[{"kind": "inactivity", "params": {"days": 30}, "scope": {}}]
    )
    quiet = PartnerFactory.create_batch(2, type="business", status="active", owner=manager,
                                        last_activity_at=timezone.now() - timedelta(days=90))  # fmt: skip
    # when
    with django_capture_on_commit_callbacks(execute=True):
        run = run_start(strategy_id=strategy.pk, actor=manager, trigger="manual")
    outcome = Outcome.objects.filter(partner=quiet[0]).get()
    outcome_set_state(outcome_id=outcome.pk, actor=manager, state="done")
    # then
    created = _events("outcome.created")
    assert sorted(e.partner_id for e in created) == sorted(p.pk for p in quiet)
    first = next(e for e in created if e.data["id"] == outcome.pk)
    assert (first.data["audience"], first.data["partner_owner"], first.data["run"]) == ("manager", manager.pk, run.pk)
    [finished] = _events("run.finished")
    run = StrategyRun.objects.get(pk=run.pk)
    assert (finished.partner_id, finished.data["status"], finished.data["started_by"]) == (
        None,
        "succeeded",
        manager.pk,
    )
    assert finished.data["outcomes_created"] == run.outcomes_created == 2
    [closed] = _events("outcome.closed")
    assert (closed.data["id"], closed.data["state"], closed.actor) == (outcome.pk, "done", manager)
