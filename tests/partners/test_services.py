"""Partner and contact services: rules that hold whichever entry point calls them."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from partners.models import Activity, Partner
from partners.services import (
    InvalidStatusTransition,
    contact_add,
    partner_change_status,
    partner_create,
    partner_update,
    partners_mark_inactive,
)
from prm.errors import PreconditionFailed


@pytest.fixture
def partner(manager):
    return partner_create(actor=manager, name="Helix Health", type="channel", country="DE", regions=["DACH"])


@pytest.mark.parametrize(
    ("start", "target", "allowed"),
    [
        ("prospect", "onboarding", True),
        ("prospect", "active", False),
        ("onboarding", "active", True),
        ("active", "inactive", True),
        ("active", "onboarding", False),
        ("inactive", "active", True),
        ("inactive", "terminated", True),
        ("terminated", "active", False),
        ("terminated", "prospect", True),
    ],
)
def test_status_transitions_are_enforced(manager, start, target, allowed):
    # given
    partner = partner_create(actor=manager, name="P", type="sales", country="FR", status=start)
    # when / then
    if allowed:
        assert partner_change_status(partner_id=partner.pk, actor=manager, status=target).status == target
    else:
        with pytest.raises(InvalidStatusTransition):
            partner_change_status(partner_id=partner.pk, actor=manager, status=target)
        assert Partner.objects.get(pk=partner.pk).status == start


def test_every_change_raises_the_version_and_writes_a_timeline_row(partner, manager):
    # when
    partner_update(partner_id=partner.pk, actor=manager, name="Helix Health Systems")
    partner_change_status(partner_id=partner.pk, actor=manager, status="onboarding", reason="signed NDA")
    # then
    partner.refresh_from_db()
    assert partner.version == 3
    assert list(partner.activities.values_list("kind", flat=True)) == ["status_changed", "updated", "created"]
    assert "signed NDA" in partner.activities.first().message
    assert partner.last_activity_at is not None


def test_an_update_that_changes_nothing_writes_nothing(partner, manager):
    # when
    partner_update(partner_id=partner.pk, actor=manager, name=partner.name, regions=["DACH"])
    # then
    partner.refresh_from_db()
    assert partner.version == 1
    assert partner.activities.count() == 1


def test_a_stale_expected_version_changes_nothing(partner, manager):
    # given
    partner_update(partner_id=partner.pk, actor=manager, name="Changed")
    # when / then
    with pytest.raises(PreconditionFailed):
        partner_update(partner_id=partner.pk, actor=manager, expected_version=1, name="Lost update")
    assert Partner.objects.get(pk=partner.pk).name == "Changed"


def test_slugs_are_made_unique_from_the_name(manager):
    # when
    first = partner_create(actor=manager, name="Acme", type="sales", country="US")
    second = partner_create(actor=manager, name="ACME", type="sales", country="US")
    # then
    assert (first.slug, second.slug) == ("acme", "acme-2")


def test_unknown_codes_are_refused_with_field_messages(manager):
    # when
    with pytest.raises(ValidationError) as error:
        partner_create(actor=manager, name="X", type="sales", country="US", regions=["MARS"], verticals=["space"])
    # then
    assert set(error.value.message_dict) == {"regions", "verticals"}
    assert not Partner.objects.exists()


def test_a_second_primary_contact_is_refused(partner, manager):
    # given
    contact_add(partner_id=partner.pk, actor=manager, name="A", email="a@x.example", role="primary")
    # when / then
    with pytest.raises(ValidationError) as error:
        contact_add(partner_id=partner.pk, actor=manager, name="B", email="b@x.example", role="primary")
    assert error.value.message_dict == {"role": ["This partner already has a primary contact."]}


def test_mark_inactive_moves_only_quiet_active_partners_once(manager):
    # given
    now = timezone.now()
    quiet = partner_create(actor=manager, name="Quiet", type="sales", country="US", status="active")
    busy = partner_create(actor=manager, name="Busy", type="sales", country="US", status="active")
    prospect = partner_create(actor=manager, name="Prospect", type="sales", country="US")
    Partner.objects.filter(pk__in=[quiet.pk, prospect.pk]).update(last_activity_at=now - timedelta(days=200))
    # when
    first = partners_mark_inactive(days=180, now=now)
    second = partners_mark_inactive(days=180, now=now)
    # then
    assert first == [quiet.pk]
    assert second == []
    statuses = dict(Partner.objects.values_list("name", "status"))
    assert statuses == {"Quiet": "inactive", "Busy": "active", "Prospect": "prospect"}
    entry = Activity.objects.get(partner=quiet, kind=Activity.Kind.STATUS_CHANGED)
    assert entry.data == {"from": "active", "to": "inactive", "reason": "inactivity", "days": 180}
    assert busy.activities.count() == 1
