"""Two partners registering one customer at the same moment, on real PostgreSQL transactions."""

import threading
import time
from datetime import date, timedelta

import pytest
from django.db import connection, transaction

from programs.deals.models import Deal, DealConflict
from programs.deals.services import CustomerProtected, deal_approve, deal_register
from tests.fixtures.threads import race
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _register(partner):
    return lambda: deal_register(
        partner_id=partner.pk, actor=None, customer_company="Acme Inc", customer_domain="acme.com",
        amount="1000", currency="EUR", expected_close_on=date.today() + timedelta(days=30), products=["Cloud"],
    )  # fmt: skip


def test_of_two_simultaneous_registrations_exactly_one_is_first_and_the_other_is_flagged():
    for _ in range(5):  # several rounds, so an unlocked check would show at least once
        Deal.objects.all().delete()
        alpha, bravo = PartnerFactory(status="active"), PartnerFactory(status="active")
        # when
        results = race(_register(alpha), _register(bravo))
        # then: both registered, and exactly one of them carries a conflict naming the other
        assert all(isinstance(result, Deal) for result in results), results
        conflicts = list(DealConflict.objects.values_list("deal_id", "other_id"))
        first, second = sorted(results, key=lambda deal: (deal.created_at, deal.pk))
        assert conflicts == [(second.pk, first.pk)]


def test_a_registration_racing_an_approval_is_either_refused_or_flagged_never_silently_both():
    for _ in range(5):
        Deal.objects.all().delete()
        alpha, bravo = PartnerFactory(status="active"), PartnerFactory(status="active")
        pending = _register(alpha)()
        # when: bravo registers while alpha's registration is approved
        approved, registered = race(lambda pk=pending.pk: deal_approve(deal_id=pk, actor=None), _register(bravo))
        # then
        assert isinstance(approved, Deal) and approved.state == "approved", approved
        if isinstance(registered, CustomerProtected):
            assert not Deal.objects.filter(partner=bravo).exists()
        else:  # registered before the approval committed: flagged against alpha's
            assert isinstance(registered, Deal), registered
            assert list(DealConflict.objects.filter(deal=registered).values_list("other_id", flat=True)) == [pending.pk]


def test_an_approval_waits_for_a_concurrent_approval_of_the_same_customer_and_is_then_refused():
    # given: two pending registrations of one customer
    alpha, bravo = PartnerFactory(status="active"), PartnerFactory(status="active")
    first, second = _register(alpha)(), _register(bravo)()
    approved_first = threading.Event()
    outcome: dict = {}

    def approve_first_and_hold():
        try:
            with transaction.atomic():
                deal_approve(deal_id=first.pk, actor=None)
                approved_first.set()
                time.sleep(0.5)  # still uncommitted while the other manager approves
        finally:
            connection.close()

    def approve_second():
        approved_first.wait(10)
        try:
            outcome["second"] = deal_approve(deal_id=second.pk, actor=None, override_reason="Closer to the customer")
        except Exception as exc:
            outcome["second"] = exc
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=approve_first_and_hold), threading.Thread(target=approve_second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    # then: the second approval waited for the first to commit and found the customer protected
    assert isinstance(outcome["second"], CustomerProtected), outcome
    assert dict(Deal.objects.values_list("pk", "state")) == {first.pk: "approved", second.pk: "submitted"}
