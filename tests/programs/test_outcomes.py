import pytest
from django.core.exceptions import PermissionDenied

from partners.models import Partner, PartnerUser
from programs.strategies.models import Outcome, Strategy
from programs.strategies.selectors import OutcomeFilters, outcome_list
from programs.strategies.services import OutcomeAddressedToPartner, OutcomeNotOpen, outcome_apply, outcome_close
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db


def _outcome(partner, **fields) -> Outcome:
    strategy = Strategy.objects.get(partner_type="business")
    defaults = {
        "strategy": strategy, "version": strategy.current_version, "rule_kind": "inactivity", "kind": "task",
        "title": "Re-engage", "explanation": "Quiet for 130 days (threshold 120).", "dedupe_key": f"k{partner.pk}",
    }  # fmt: skip
    return Outcome.objects.create(partner=partner, **{**defaults, **fields})


def test_closing_an_outcome_records_who_and_why(manager):
    # given
    outcome = _outcome(PartnerFactory(type="business"))
    # when
    closed = outcome_close(outcome_id=outcome.pk, actor=manager, state="dismissed", note="seasonal business")
    # then
    assert closed.state == "dismissed"
    assert "seasonal business" in closed.note
    assert manager.get_full_name() in closed.note
    with pytest.raises(OutcomeNotOpen):
        outcome_close(outcome_id=outcome.pk, actor=manager, state="done")


@pytest.mark.parametrize("who", ["analyst", "partner_admin"])
def test_only_managers_admins_and_the_system_close_or_apply_outcomes(who, admin_user):
    # given: an analyst, or the partner's own admin, reaching the services by whatever route
    partner = PartnerFactory(type="business", status="active")
    if who == "analyst":
        actor = UserFactory(role="analyst")
    else:
        actor = UserFactory(is_staff=False)
        PartnerUser.objects.create(user=actor, partner=partner, role="partner_admin")
    task = _outcome(partner, audience="partner")
    change = _outcome(partner, kind="status_change", recommended_status="inactive", dedupe_key="status")
    # when / then
    with pytest.raises(PermissionDenied):
        outcome_close(outcome_id=task.pk, actor=actor, state="done")
    with pytest.raises(PermissionDenied):
        outcome_apply(outcome_id=change.pk, actor=actor)
    assert set(Outcome.objects.filter(partner=partner).values_list("state", flat=True)) == {"open"}
    assert Partner.objects.get(pk=partner.pk).status == "active"
    # the system closes too; a request addressed to the partner is withdrawn with a reason, never done
    with pytest.raises(OutcomeAddressedToPartner):
        outcome_close(outcome_id=task.pk, actor=None, state="done")
    assert outcome_close(outcome_id=task.pk, actor=None, state="dismissed", note="superseded").state == "dismissed"
    assert outcome_close(outcome_id=change.pk, actor=admin_user, state="dismissed").state == "dismissed"


def test_applying_a_recommended_status_change_moves_the_partner(manager):
    # given
    partner = PartnerFactory(type="business", status="active")
    outcome = _outcome(partner, kind="status_change", recommended_status="inactive", dedupe_key="status")
    # when
    applied = outcome_apply(outcome_id=outcome.pk, actor=manager)
    # then
    assert applied.state == "applied"
    assert Partner.objects.get(pk=partner.pk).status == "inactive"
    assert partner.activities.filter(kind="status_changed").exists()


def test_an_illegal_recommendation_leaves_the_outcome_open(manager):
    # given: the partner was terminated meanwhile
    partner = PartnerFactory(type="business", status="terminated")
    outcome = _outcome(partner, kind="status_change", recommended_status="inactive", dedupe_key="status")
    # when / then
    from partners.services import InvalidStatusTransition

    with pytest.raises(InvalidStatusTransition):
        outcome_apply(outcome_id=outcome.pk, actor=manager)
    assert Outcome.objects.get(pk=outcome.pk).state == "open"


def test_the_inbox_filters_and_puts_the_soonest_due_first(manager):
    # given
    from datetime import date

    mine = PartnerFactory(type="business")
    other = PartnerFactory(type="sales")
    late = _outcome(mine, due_on=date(2026, 12, 20), dedupe_key="late", assignee=manager)
    soon = _outcome(mine, due_on=date(2026, 12, 1), dedupe_key="soon", assignee=manager)
    _outcome(other, dedupe_key="theirs", assignee=UserFactory())
    _outcome(mine, dedupe_key="closed", state="done", assignee=manager)
    # when
    inbox = list(outcome_list(user=manager, filters=OutcomeFilters(assignee=(manager.pk,))))
    # then
    assert inbox == [soon, late]
    assert [o.dedupe_key for o in outcome_list(user=manager, filters=OutcomeFilters(partner_type=("sales",)))] == [
        "theirs"
    ]
