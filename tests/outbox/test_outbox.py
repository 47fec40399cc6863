"""The outbox: events exist exactly when their change commits, and are fanned out once, in order."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from partners.outbox import channels as outbox_channels
from partners.outbox.models import Event
from partners.outbox.services import (
    DISPATCH_ATTEMPTS_MAX,
    event_record,
    outbox_dispatch,
    outbox_prune,
    outbox_sweep,
)
from partners.services import partner_create, partner_update
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorder(monkeypatch):
    """The registered channels replaced by one that writes down what it was given, so a test sees
    exactly which events reached the channels and in which batches."""
    batches: list[list[int]] = []
    monkeypatch.setattr(
        outbox_channels, "_CHANNELS", {"recorder": lambda events: batches.append([e.pk for e in events])}
    )
    return batches


def _record(partner, type="partner.updated"):
    return event_record(
        type=type, object_type="partner", object_id=partner.pk, partner_id=partner.pk, data={"id": partner.pk}
    )


def test_an_event_is_written_with_the_change_it_describes(manager):
    # when
    partner = partner_create(actor=manager, name="Helix Health", type="channel", country="DE")
    # then
    event = Event.objects.get()
    assert (event.type, event.object_type, event.object_id, event.partner_id) == (
        "partner.created", "partner", str(partner.pk), partner.pk,
    )  # fmt: skip
    assert event.data["name"] == "Helix Health"
    assert event.actor == manager
    assert event.webhook_id == f"msg_{event.uid.hex}"


def test_a_rolled_back_change_leaves_no_event(manager):
    # given
    partner = PartnerFactory(name="Before")
    # when
    with pytest.raises(RuntimeError), transaction.atomic():
        partner_update(partner_id=partner.pk, actor=manager, name="After")
        raise RuntimeError("the request failed after the write")
    # then
    partner.refresh_from_db()
    assert partner.name == "Before"
    assert not Event.objects.exists()


def test_an_update_carries_the_changed_fields_old_and_new(manager):
    # given
    partner = PartnerFactory(name="Before", website="https://before.example")
    # when
    partner_update(partner_id=partner.pk, actor=manager, name="After", website="https://before.example")
    # then
    event = Event.objects.get(type="partner.updated")
    assert event.data["changes"] == {"name": {"from": "Before", "to": "After"}}
    assert event.data["name"] == "After"


def test_an_update_that_changes_nothing_records_nothing(manager):
    # given
    partner = PartnerFactory(name="Same")
    # when
    partner_update(partner_id=partner.pk, actor=manager, name="Same")
    # then
    assert not Event.objects.exists()


def test_one_dispatcher_is_queued_per_transaction_however_many_events(django_capture_on_commit_callbacks):
    # given
    partners = PartnerFactory.create_batch(3)
    # when
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for partner in partners:
            _record(partner)
    # then
    assert len(callbacks) == 1
    assert Event.objects.count() == 3


def test_the_dispatcher_fans_out_every_event_once_in_order(recorder):
    # given
    partner = PartnerFactory()
    ids = [_record(partner).pk for _ in range(5)]
    # when
    first = outbox_dispatch(batch=2)
    second = outbox_dispatch()
    # then
    assert (first, second) == (5, 0)
    assert recorder == [ids[0:2], ids[2:4], ids[4:5]]
    assert not Event.objects.filter(dispatched_at__isnull=True).exists()


def test_a_channel_that_fails_on_one_event_holds_back_only_that_event(monkeypatch):
    # given: a channel that cannot handle event "bad"
    partner = PartnerFactory()
    good, bad, later = _record(partner), _record(partner), _record(partner)
    seen = []

    def fan_out(events):
        if any(event.pk == bad.pk for event in events):
            raise ValueError("cannot render this event")
        seen.extend(event.pk for event in events)

    monkeypatch.setattr(outbox_channels, "_CHANNELS", {"picky": fan_out})
    # when
    outbox_dispatch()
    # then
    assert seen == [good.pk, later.pk]
    bad.refresh_from_db()
    assert (bad.dispatched_at, bad.dispatch_attempts) == (None, 1)
    assert "cannot render" in bad.dispatch_error


def test_an_event_that_keeps_failing_is_given_up_after_the_maximum_attempts(monkeypatch):
    # given
    event = _record(PartnerFactory())
    Event.objects.filter(pk=event.pk).update(dispatch_attempts=DISPATCH_ATTEMPTS_MAX - 1)

    def broken(events):
        raise ValueError("broken")

    monkeypatch.setattr(outbox_channels, "_CHANNELS", {"broken": broken})
    # when: the sweep retries what failed before
    outbox_dispatch(retry_failed=True)
    # then
    event.refresh_from_db()
    assert event.dispatched_at is not None
    assert event.dispatch_attempts == DISPATCH_ATTEMPTS_MAX


def test_the_sweep_leaves_fresh_events_to_their_own_dispatcher(recorder, settings):
    # given
    settings.OUTBOX_SWEEP_GRACE_SECONDS = 5
    partner = PartnerFactory()
    old, fresh = _record(partner), _record(partner)
    Event.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(seconds=30))
    # when
    swept = outbox_sweep()
    # then
    assert swept == 1
    assert recorder == [[old.pk]]
    fresh.refresh_from_db()
    assert fresh.dispatched_at is None


def test_prune_deletes_only_dispatched_events_past_the_retention(recorder, settings):
    # given
    settings.OUTBOX_RETENTION_DAYS = 30
    partner = PartnerFactory()
    old, undispatched_old, recent = _record(partner), _record(partner), _record(partner)
    outbox_dispatch()
    long_ago = timezone.now() - timedelta(days=31)
    Event.objects.filter(pk__in=[old.pk, undispatched_old.pk]).update(created_at=long_ago)
    Event.objects.filter(pk=undispatched_old.pk).update(dispatched_at=None)
    # when
    pruned = outbox_prune()
    # then
    assert pruned == 1
    assert set(Event.objects.values_list("pk", flat=True)) == {undispatched_old.pk, recent.pk}


def test_an_unknown_event_type_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown event type"):
        event_record(type="partner.exploded", object_type="partner", object_id=1, partner_id=1, data={})
