"""Registering deals: input checks, the conflict check with its evidence, approval with first
registered wins, rejection, and the state machine."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from prm.errors import FieldErrors
from programs.deals.models import Deal, DealConflict, DealHistory, DealProtection
from programs.deals.services import (
    CustomerProtected,
    InvalidDealTransition,
    PartnerCannotRegister,
    deal_approve,
    deal_close,
    deal_extend,
    deal_register,
    deal_reject,
    deal_update,
    deals_expire,
    deals_remind,
)
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db
SOON = date.today() + timedelta(days=60)


def _register(partner, **fields):
    values = {
        "customer_company": "Acme Inc.",
        "customer_domain": "https://www.acme.com/",
        "amount": "25000",
        "currency": "EUR",
        "expected_close_on": SOON,
        "products": ["Cloud"],
    }
    values.update(fields)
    return deal_register(partner_id=partner.pk, actor=None, **values)


@pytest.fixture
def alpha():
    return PartnerFactory(name="Alpha", type="sales", status="active")


@pytest.fixture
def bravo():
    return PartnerFactory(name="Bravo", type="sales", status="active")


def test_a_registration_is_stored_in_normal_form_with_its_history(alpha):
    deal = _register(alpha, customer_domain="jane@eu.Acme.com", currency="eur", products=["Cloud", " Cloud ", "Edge"])
    assert (deal.state, deal.customer_domain, deal.company_key, deal.currency) == (
        "submitted",
        "acme.com",
        "acme",
        "EUR",
    )
    assert deal.products == ["Cloud", "Edge"]
    assert deal.amount == Decimal("25000")
    assert list(DealHistory.objects.filter(deal=deal).values_list("action", "to_state")) == [
        ("registered", "submitted")
    ]


@pytest.mark.parametrize(
    ("fields", "field", "says"),
    [
        ({"customer_domain": ""}, "customer_domain", "Give the customer's domain"),
        ({"customer_domain": "localhost"}, "customer_domain", "not a domain name"),
        ({"customer_domain": "co.uk"}, "customer_domain", "public suffix"),
        ({"customer_company": "  "}, "customer_company", "company name"),
        ({"amount": "-5"}, "amount", "cannot be negative"),
        ({"amount": "1e15"}, "amount", "larger than any deal"),
        ({"amount": "12.345"}, "amount", "two decimal places"),
        ({"amount": "lots"}, "amount", "as a number"),
        ({"amount": "NaN"}, "amount", "cannot be negative"),
        ({"currency": "EUROS"}, "currency", "ISO 4217"),
        ({"currency": "XYZ"}, "currency", "ISO 4217"),
        ({"expected_close_on": date.today() - timedelta(days=1)}, "expected_close_on", "in the past"),
        ({"expected_close_on": None}, "expected_close_on", "expected close date"),
    ],
)
def test_malformed_registrations_are_refused_by_field_and_nothing_is_written(alpha, fields, field, says):
    with pytest.raises(FieldErrors) as refused:
        _register(alpha, **fields)
    assert says in " ".join(refused.value.errors[field])
    assert not Deal.objects.exists()


@pytest.mark.parametrize("status", ["terminated", "prospect"])
def test_a_terminated_or_prospect_partner_cannot_register(status):
    partner = PartnerFactory(status=status)
    with pytest.raises(PartnerCannotRegister):
        _register(partner)
    assert not Deal.objects.exists()


def test_an_overlap_with_a_pending_registration_is_accepted_and_flagged_with_its_evidence(alpha, bravo):
    first = _register(alpha, products=["Cloud", "Edge"])
    second = _register(bravo, customer_company="ACME Corporation", customer_domain="sales.acme.com", products=["edge"])
    (conflict,) = DealConflict.objects.filter(deal=second)
    assert (conflict.other_id, conflict.matched, conflict.products) == (
        first.pk,
        ["domain", "company", "products"],
        ["edge"],
    )
    assert not DealConflict.objects.filter(deal=first).exists()


def test_different_products_or_another_customer_are_no_conflict(alpha, bravo):
    _register(alpha, products=["Cloud"])
    other_product = _register(bravo, products=["Mobile"])
    look_alike = _register(bravo, customer_company="Acme Labs", customer_domain="acmelabs.com")
    assert not DealConflict.objects.filter(deal__in=[other_product, look_alike]).exists()


def test_a_customer_protected_for_another_partner_is_refused_without_its_data(alpha, bravo):
    # given
    protected = deal_approve(deal_id=_register(alpha).pk, actor=None)
    # when
    with pytest.raises(CustomerProtected) as refused:
        _register(bravo, customer_company="Acme GmbH", customer_domain="acme.com")
    # then: the message names the end of protection only; staff read the rest
    assert refused.value.message == f"This customer is already protected until {protected.protected_until:%Y-%m-%d}."
    assert "Alpha" not in refused.value.message
    assert refused.value.extra["conflicting"] == protected.pk
    assert refused.value.extra["evidence"] == {"matched": ["domain", "company", "products"], "products": ["cloud"]}
    assert Deal.objects.filter(partner=bravo).count() == 0
    # and once protection has ended, the customer is free again
    later = protected.protected_until + timedelta(minutes=1)
    assert _register(bravo, now=later, expected_close_on=later.date() + timedelta(days=30)).state == "submitted"


def test_the_same_partner_may_register_its_own_customer_again(alpha):
    deal_approve(deal_id=_register(alpha).pk, actor=None)
    assert _register(alpha).state == "submitted"


def test_approval_protects_for_the_partner_types_days_and_first_registered_wins(alpha, bravo, manager):
    # given: alpha first, bravo second, sales partners protected 30 days
    DealProtection.objects.filter(partner_type="sales").update(days=30)
    first, second = _register(alpha), _register(bravo)
    now = timezone.now()
    # when: approving the second without a reason is refused; with one it is approved
    with pytest.raises(FieldErrors) as refused:
        deal_approve(deal_id=second.pk, actor=manager, now=now)
    assert f"Registration {first.pk}" in refused.value.errors["override_reason"][0]
    approved = deal_approve(deal_id=second.pk, actor=manager, override_reason="Customer chose Bravo", now=now)
    # then
    assert (approved.state, approved.protected_until, approved.decided_by) == (
        "approved",
        now + timedelta(days=30),
        manager,
    )
    assert approved.decision_reason == "Customer chose Bravo"
    # and the first can no longer be approved: the customer is protected for bravo
    with pytest.raises(CustomerProtected):
        deal_approve(deal_id=first.pk, actor=manager, override_reason="no", now=now)
    assert Deal.objects.get(pk=first.pk).state == "submitted"


def test_the_first_registration_is_approved_without_a_reason(alpha, bravo, manager):
    first, _ = _register(alpha), _register(bravo)
    assert deal_approve(deal_id=first.pk, actor=manager).protected_until is not None


def test_a_rejection_needs_a_reason_and_is_kept_in_the_history(alpha, manager):
    deal = _register(alpha)
    with pytest.raises(FieldErrors):
        deal_reject(deal_id=deal.pk, actor=manager, reason=" ")
    rejected = deal_reject(deal_id=deal.pk, actor=manager, reason="Customer already served directly")
    assert (rejected.state, rejected.decision_reason) == ("rejected", "Customer already served directly")
    assert list(DealHistory.objects.filter(deal=deal).values_list("action", "from_state", "to_state")) == [
        ("registered", "", "submitted"),
        ("rejected", "submitted", "rejected"),
    ]


@pytest.mark.parametrize("state", ["approved", "rejected", "won", "lost", "expired"])
def test_every_illegal_move_is_refused(alpha, manager, state):
    # given: a deal in each state (set directly: the moves under test are the refusals)
    deal = _register(alpha)
    Deal.objects.filter(pk=deal.pk).update(state=state, protected_until=timezone.now() + timedelta(days=1))
    # then: approving or rejecting from anything but "submitted" is refused, and nothing changes
    with pytest.raises(InvalidDealTransition):
        deal_approve(deal_id=deal.pk, actor=manager)
    with pytest.raises(InvalidDealTransition):
        deal_reject(deal_id=deal.pk, actor=manager, reason="late")
    assert Deal.objects.get(pk=deal.pk).state == state
    assert DealHistory.objects.filter(deal=deal).count() == 1


def test_the_transition_map_allows_exactly_the_documented_moves():
    allowed = {(old, new) for old, news in Deal.TRANSITIONS.items() for new in news}
    assert allowed == {
        ("submitted", "approved"), ("submitted", "rejected"), ("submitted", "expired"),
        ("approved", "won"), ("approved", "lost"), ("approved", "expired"),
    }  # fmt: skip


def test_every_change_goes_on_the_partners_timeline_and_out_as_an_event(alpha, manager):
    from partners.models import Activity
    from partners.outbox.models import Event

    deal = _register(alpha)
    deal_approve(deal_id=deal.pk, actor=manager)
    assert list(
        Activity.objects.filter(partner=alpha, kind="deal").order_by("id").values_list("message", flat=True)
    ) == [
        "Deal registered: Acme Inc.",
        f"Deal approved, protected {90} days: Acme Inc.",
    ]
    events = Event.objects.filter(object_type="deal", object_id=str(deal.pk)).order_by("id")
    assert [(e.type, e.partner_id, e.data["state"]) for e in events] == [
        ("deal.registered", alpha.pk, "submitted"),
        ("deal.approved", alpha.pk, "approved"),
    ]


def test_the_partner_moves_its_open_deal_along_and_a_closed_one_stays_closed(alpha, manager):
    deal = _register(alpha)
    later = SOON + timedelta(days=10)
    moved = deal_update(deal_id=deal.pk, actor=None, stage="propose", expected_close_on=later)
    assert (moved.stage, moved.expected_close_on) == ("propose", later)
    with pytest.raises(FieldErrors) as refused:
        deal_update(deal_id=deal.pk, actor=None, stage="dreaming", expected_close_on=date.today() - timedelta(days=1))
    assert set(refused.value.errors) == {"stage", "expected_close_on"}
    deal_reject(deal_id=deal.pk, actor=manager, reason="duplicate")
    with pytest.raises(InvalidDealTransition):
        deal_update(deal_id=deal.pk, actor=None, stage="negotiate")


def test_an_approved_deal_closes_won_with_its_amount_or_lost_and_never_twice(alpha, bravo, manager):
    won = deal_approve(deal_id=_register(alpha).pk, actor=manager)
    with pytest.raises(FieldErrors):
        deal_close(deal_id=won.pk, actor=None, won=True, amount="-1")
    with pytest.raises(FieldErrors):
        deal_close(deal_id=won.pk, actor=None, won=True, amount="10", closed_on=date.today() + timedelta(days=1))
    closed = deal_close(deal_id=won.pk, actor=None, won=True, amount="31000.50")
    assert (closed.state, closed.closed_amount, closed.closed_on) == ("won", Decimal("31000.50"), date.today())
    with pytest.raises(InvalidDealTransition):
        deal_close(deal_id=won.pk, actor=None, won=False)
    lost = deal_close(deal_id=deal_approve(deal_id=_register(bravo, customer_domain="other.com",
                      customer_company="Other").pk, actor=manager).pk, actor=None, won=False)  # fmt: skip
    assert (lost.state, lost.protected_until) == ("lost", None)
    with pytest.raises(InvalidDealTransition):  # a submitted deal is approved or rejected first
        deal_close(
            deal_id=_register(alpha, customer_domain="third.com", customer_company="Third").pk,
            actor=None,
            won=True,
            amount=1,
        )


def test_protection_is_extended_once_with_a_reason(alpha, manager):
    deal = deal_approve(deal_id=_register(alpha).pk, actor=manager)
    with pytest.raises(FieldErrors):
        deal_extend(deal_id=deal.pk, actor=manager, reason="")
    extended = deal_extend(deal_id=deal.pk, actor=manager, reason="Board meeting moved to Q3")
    assert extended.protected_until == deal.protected_until + timedelta(days=90)
    with pytest.raises(InvalidDealTransition, match="once"):
        deal_extend(deal_id=deal.pk, actor=manager, reason="again")


def test_the_expiry_job_expires_what_is_no_longer_protected_once_whatever_the_runs(alpha, bravo, manager):
    # given: an approved deal whose protection ended, a submitted one whose close date passed, and a live one
    ended = deal_approve(deal_id=_register(alpha).pk, actor=manager)
    Deal.objects.filter(pk=ended.pk).update(protected_until=timezone.now() - timedelta(hours=1))
    stale = _register(bravo, customer_domain="stale.com", customer_company="Stale")
    Deal.objects.filter(pk=stale.pk).update(expected_close_on=date.today() - timedelta(days=1))
    live = deal_approve(deal_id=_register(bravo, customer_domain="live.com", customer_company="Live").pk, actor=manager)
    # when: the job runs twice
    first, second = deals_expire(), deals_expire()
    # then
    assert (first, second) == (2, 0)
    assert dict(Deal.objects.values_list("pk", "state")) == {
        ended.pk: "expired",
        stale.pk: "expired",
        live.pk: "approved",
    }
    assert DealHistory.objects.filter(action="expired").count() == 2


def test_the_end_of_protection_is_announced_once_within_the_reminder_days(alpha, bravo, manager):
    from partners.outbox.models import Event

    # given: sales deals are reminded 14 days ahead; one ends in 10 days, one in 40
    DealProtection.objects.filter(partner_type="sales").update(days=90, reminder_days=14)
    soon = deal_approve(deal_id=_register(alpha).pk, actor=manager)
    Deal.objects.filter(pk=soon.pk).update(protected_until=timezone.now() + timedelta(days=10))
    far = deal_approve(deal_id=_register(bravo, customer_domain="far.com", customer_company="Far").pk, actor=manager)
    Deal.objects.filter(pk=far.pk).update(protected_until=timezone.now() + timedelta(days=40))
    # when: the job runs twice
    assert (deals_remind(), deals_remind()) == (1, 0)
    # then
    expiring = Event.objects.filter(type="deal.expiring")
    assert list(expiring.values_list("object_id", flat=True)) == [str(soon.pk)]
    # and an extension is announced again when its new end comes near
    extended = deal_extend(deal_id=soon.pk, actor=manager, reason="Budget delayed")
    Deal.objects.filter(pk=soon.pk).update(protected_until=timezone.now() + timedelta(days=5))
    assert extended.extended_at is not None
    assert deals_remind() == 1
    assert expiring.count() == 2


def test_each_partner_type_has_protection_days_that_admins_can_change(alpha, manager):
    # given: the defaults the migration sets, changed for sales
    assert set(DealProtection.objects.values_list("partner_type", flat=True)) == {
        "business", "financial", "technology", "sales", "channel", "support",
    }  # fmt: skip
    DealProtection.objects.filter(partner_type="sales").update(days=45)
    now = timezone.now()
    # when
    deal = deal_approve(deal_id=_register(alpha).pk, actor=manager, now=now)
    # then
    assert deal.protected_until == now + timedelta(days=45)


def test_admins_read_deals_with_their_conflicts_and_history_and_edit_protection_days(client, admin_user, alpha, bravo):
    # given
    _register(alpha)
    second = _register(bravo)
    client.force_login(admin_user)
    # when
    listing = client.get("/admin/programs/deal/")
    page = client.get(f"/admin/programs/deal/{second.pk}/change/")
    protection = DealProtection.objects.get(partner_type="sales")
    edited = client.post(
        f"/admin/programs/dealprotection/{protection.pk}/change/",
        {"partner_type": "sales", "days": 30, "reminder_days": 7},
    )
    # then
    assert listing.status_code == 200 and b"Acme Inc." in listing.content
    assert page.status_code == 200 and b"registered" in page.content
    assert edited.status_code == 302
    assert DealProtection.objects.filter(partner_type="sales", days=30, reminder_days=7).exists()
