"""The deal registration bench measures the real conflict check: the registrations it writes
set-based are found by deal_register exactly like registered ones, and it leaves nothing behind."""

from datetime import date, timedelta

import pytest

from partners.models import Activity
from partners.outbox.models import Event
from prm.bench_deals import _cleanup, _existing_registrations
from programs.deals.models import Deal, DealConflict
from programs.deals.services import CustomerProtected, deal_register
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db


def _register(partner, customer: int):
    return deal_register(
        partner_id=partner.pk,
        actor=None,
        customer_company=f"Bench Customer {customer}",
        customer_domain=f"https://www.c{customer}-bench.example/",
        amount="100",
        currency="EUR",
        expected_close_on=date.today() + timedelta(days=30),
        products=["Cloud"],
    )


def test_bench_registrations_are_checked_like_any_and_cleaned_up():
    # given: 20 registrations spread over two active partners, and a third partner registering
    PartnerFactory.create_batch(2, status="active")
    newcomer = PartnerFactory(status="active")
    _existing_registrations(1, 20)
    # then: customers 1, 2 are approved and protected, 3..6 pending, 7 won, 8 lost, 9 expired
    assert Deal.objects.count() == 20
    assert set(Deal.objects.values_list("customer_domain", flat=True)) == {f"c{n}-bench.example" for n in range(1, 21)}
    with pytest.raises(CustomerProtected):
        _register(newcomer, 1)
    pending = _register(newcomer, 4)
    assert list(DealConflict.objects.filter(deal=pending).values_list("other__customer_company", flat=True)) == [
        "Bench Customer 4"
    ]
    assert not _register(newcomer, 7).conflicts.exists()
    # when
    _cleanup()
    # then
    assert not Deal.objects.exists() and not DealConflict.objects.exists()
    assert not Activity.objects.filter(kind="deal").exists()
    assert not Event.objects.filter(object_type="deal").exists()
