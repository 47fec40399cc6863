"""Applications and decisions racing each other on real PostgreSQL transactions."""

import pytest

from partners.invitations.models import Invitation
from partners.outbox.models import Event
from programs.applications.models import PartnerApplication
from programs.applications.services import InvalidApplicationTransition, application_approve, application_reject
from tests.factories import UserFactory
from tests.fixtures.threads import race
from tests.programs.applications.helpers import submit

pytestmark = pytest.mark.django_db(transaction=True)


def test_of_two_simultaneous_applications_of_one_company_exactly_one_is_flagged():
    for round_number in range(5):  # several rounds (a company each), so an unlocked check would show
        # when
        results = race(
            lambda n=round_number: submit(company=f"Acme {n}", website=f"https://www.acme{n}.example"),
            lambda n=round_number: submit(
                company=f"Acme EU {n}", website=f"eu.acme{n}.example", contact_email=f"b@acme{n}.example"
            ),
        )
        # then: both stored, the later one the duplicate of the earlier
        assert all(isinstance(result, PartnerApplication) for result in results), results
        first, second = sorted(results, key=lambda application: (application.created_at, application.pk))
        assert (first.is_duplicate, first.duplicate_of_id) == (False, None)
        assert (second.is_duplicate, second.duplicate_of_id) == (True, first.pk)


def test_two_managers_deciding_at_once_decide_once():
    # given
    application = submit()
    alice, bob = UserFactory(role="manager"), UserFactory(role="manager")
    # when: one approves while the other rejects
    approved, rejected = race(
        lambda: application_approve(application_id=application.pk, actor=alice),
        lambda: application_reject(application_id=application.pk, actor=bob, reason="Not a fit."),
    )
    # then: one decision, one decided event; the other is told the application moved on
    outcomes = [approved, rejected]
    assert sum(isinstance(outcome, InvalidApplicationTransition) for outcome in outcomes) == 1, outcomes
    application.refresh_from_db()
    assert Event.objects.filter(type="application.decided").count() == 1
    assert Invitation.objects.count() == (1 if application.state == "approved" else 0)
