"""Writes of deal registrations: register with the conflict check, approve, reject, extend,
close, and the expiry of what is no longer protected.

Concurrency: every write that can create or end a customer's protection takes transaction-level
advisory locks on the customer's domain and company key (in a fixed order), so two partners
registering one customer at the same moment are checked one after the other, and an approval
cannot slip between a registration's check and its insert. Every change writes a history row in
the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

import pycountry
from django.db import connection, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from partners.models import Partner
from prm.errors import Conflict, FieldErrors
from programs.deals.events import deal_changed
from programs.deals.matching import InvalidDomain, company_key, customer_domain, evidence, product_keys
from programs.deals.models import Deal, DealConflict, DealHistory, DealProtection
from programs.tiers.models import Membership

State = Deal.State
AMOUNT_MAX = Decimal("1000000000000")  # a trillion: anything above is a typing slip
DEFAULT_PROTECTION_DAYS = 90
DEFAULT_REMINDER_DAYS = 14


class CustomerProtected(Conflict):
    """Another partner's approved registration protects this customer. The message names only the
    protection's end; ``conflicting`` and ``evidence`` are for staff."""

    code = "customer_protected"


class InvalidDealTransition(Conflict):
    code = "invalid_deal_transition"


class PartnerCannotRegister(Conflict):
    code = "partner_cannot_register"


@dataclass(frozen=True)
class Registration:
    """A registration's fields, checked and in normal form."""

    customer_company: str
    company_key: str
    customer_domain: str
    amount: Decimal
    currency: str
    expected_close_on: date
    products: list[str]


def registration_errors(
    *,
    customer_company: str,
    customer_domain_value: str,
    amount,
    currency: str,
    expected_close_on: date | None,
    products: Iterable[str],
    today: date,
) -> tuple[Registration | None, dict[str, list[str]]]:
    """The registration in normal form, or the field errors that refuse it."""
    errors: dict[str, list[str]] = {}
    company = (customer_company or "").strip()
    key = company_key(company)
    if not company:
        errors["customer_company"] = ["Give the customer's company name."]
    elif len(company) > 200:
        errors["customer_company"] = ["At most 200 characters."]
    try:
        domain = customer_domain(customer_domain_value)
    except InvalidDomain as exc:
        errors["customer_domain"] = [str(exc)]
        domain = ""
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        errors["amount"] = ["Give the amount as a number, such as 25000 or 25000.50."]
        value = Decimal(0)
    else:
        if not value.is_finite() or value < 0:
            errors["amount"] = ["The amount cannot be negative."]
        elif value > AMOUNT_MAX:
            errors["amount"] = ["The amount is larger than any deal; check the digits."]
        elif value.as_tuple().exponent < -2:
            errors["amount"] = ["At most two decimal places."]
    code = (currency or "").strip().upper()
    if pycountry.currencies.get(alpha_3=code) is None:
        errors["currency"] = [f"“{currency}” is not an ISO 4217 currency code, such as EUR or USD."]
    if expected_close_on is None:
        errors["expected_close_on"] = ["Give the expected close date."]
    elif expected_close_on < today:
        errors["expected_close_on"] = ["The expected close date is in the past."]
    names = [name.strip()[:100] for name in products if name and name.strip()]
    if errors:
        return None, errors
    return Registration(company, key, domain, value, code, expected_close_on, list(dict.fromkeys(names))), {}


def _lock_customer(*keys: str) -> None:
    """Transaction-level advisory locks on the customer's keys, always in the same order."""
    with connection.cursor() as cursor:
        for key in sorted(set(filter(None, keys))):
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"deal-customer:{key}"])


def _rivals(*, partner_id: int, domain: str, key: str):
    """Other partners' open registrations of the customer, by domain or by company key (the two
    partial indexes), oldest first."""
    return (
        Deal.objects.filter(Q(customer_domain=domain) | Q(company_key=key), state__in=Deal.OPEN_STATES)
        .exclude(partner_id=partner_id)
        .order_by("created_at", "id")
    )


def _history(deal: Deal, *, actor, action: str, from_state: str = "", data: dict | None = None, at=None) -> None:
    DealHistory.objects.create(
        deal=deal,
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        action=action,
        from_state=from_state,
        to_state=deal.state,
        data=data or {},
        created_at=at or timezone.now(),
    )


@transaction.atomic
def deal_register(
    *,
    partner_id: int,
    actor,
    customer_company: str,
    customer_domain: str,
    amount,
    currency: str,
    expected_close_on: date | None,
    products: Iterable[str] = (),
    contact_name: str = "",
    contact_email: str = "",
    notes: str = "",
    now=None,
) -> Deal:
    """Register an opportunity for a partner.

    FieldErrors for malformed input; PartnerCannotRegister for a terminated or prospect partner;
    CustomerProtected when another partner's approved registration still protects the customer
    (with a product in common, or either naming none). An overlap with another partner's pending
    registration is accepted and recorded as a DealConflict with its evidence. The customer's
    advisory locks make concurrent registrations of one customer check one after the other.
    """
    registration, errors = registration_errors(
        customer_company=customer_company,
        customer_domain_value=customer_domain,
        amount=amount,
        currency=currency,
        expected_close_on=expected_close_on,
        products=products,
        today=timezone.localdate(now or timezone.now()),
    )
    if errors:
        raise FieldErrors(errors)
    partner = Partner.objects.get(pk=partner_id)
    if partner.status in (Partner.Status.TERMINATED, Partner.Status.PROSPECT):
        raise PartnerCannotRegister(f"A {partner.status} partner cannot register deals.")
    _lock_customer(f"domain:{registration.customer_domain}", f"company:{registration.company_key}")
    now = now or timezone.now()  # after the lock: registrations of one customer are timed in the order they ran
    mine = product_keys(registration.products)
    found = []
    for rival in _rivals(partner_id=partner_id, domain=registration.customer_domain, key=registration.company_key):
        shared = evidence(
            domain=registration.customer_domain,
            company=registration.company_key,
            products=mine,
            other_domain=rival.customer_domain,
            other_company=rival.company_key,
            other_products=product_keys(rival.products),
        )
        if shared is None:
            continue
        if rival.is_protected(now):
            raise CustomerProtected(
                f"This customer is already protected until {rival.protected_until:%Y-%m-%d}.",
                protected_until=rival.protected_until.isoformat(),
                conflicting=rival.pk,
                evidence={"matched": shared.fields, "products": sorted(shared.products)},
            )
        found.append((rival, shared))
    deal = Deal.objects.create(
        partner=partner,
        customer_company=registration.customer_company,
        company_key=registration.company_key,
        customer_domain=registration.customer_domain,
        contact_name=(contact_name or "").strip()[:200],
        contact_email=(contact_email or "").strip().lower()[:254],
        amount=registration.amount,
        currency=registration.currency,
        expected_close_on=registration.expected_close_on,
        products=registration.products,
        notes=(notes or "")[:5000],
        registered_by=actor if actor is not None and getattr(actor, "pk", None) else None,
        created_at=now,
    )
    DealConflict.objects.bulk_create(
        DealConflict(deal=deal, other=rival, matched=shared.fields, products=sorted(shared.products), created_at=now)
        for rival, shared in found
    )
    conflicts = [rival.pk for rival, _ in found]
    _history(deal, actor=actor, action="registered", data={"conflicts": conflicts}, at=now)
    deal_changed(
        deal=deal, actor=actor, type="deal.registered", message="Deal registered", extra={"conflicts": conflicts}
    )
    return deal


def protection_days(partner_type: str) -> int:
    row = DealProtection.objects.filter(partner_type=partner_type).values_list("days", flat=True).first()
    return row or DEFAULT_PROTECTION_DAYS


def partner_protection_days(partner) -> int:
    """The days an approval protects this partner's customer: the most generous tier benefit of
    its program memberships, else its partner type's days."""
    by_tier = Membership.objects.filter(partner_id=partner.pk).aggregate(days=Max("tier__deal_protection_days"))["days"]
    return by_tier or protection_days(partner.type)


def _locked(deal_id: int) -> Deal:
    """The deal, locked after its customer's keys: the order every writer takes them in, so an
    approval and a registration of one customer queue instead of deadlocking. FOR NO KEY UPDATE
    lets a registration that records a conflict with this deal (a foreign key to it) go on."""
    domain, key = Deal.objects.values_list("customer_domain", "company_key").get(pk=deal_id)
    _lock_customer(f"domain:{domain}", f"company:{key}")
    return Deal.objects.select_for_update(no_key=True).select_related("partner").get(pk=deal_id)


def _move(deal: Deal, state: str) -> str:
    if not deal.can_move_to(state):
        allowed = ", ".join(sorted(Deal.TRANSITIONS[deal.state])) or "none"
        raise InvalidDealTransition(
            f"A deal that is {deal.state} cannot become {state}; allowed: {allowed}.", current=deal.state
        )
    old, deal.state = deal.state, state
    return old


@transaction.atomic
def deal_approve(*, deal_id: int, actor, override_reason: str = "", now=None) -> Deal:
    """Approve a submitted registration and protect its customer for the partner's protection days
    (its best tier benefit, else its partner type's).

    First registered wins: approving a registration while an earlier one of another partner is
    still open needs ``override_reason`` (refused with CustomerProtected when that one is approved
    and protected). Locks the deal and the customer's keys.
    """
    now = now or timezone.now()
    deal = _locked(deal_id)
    old = _move(deal, State.APPROVED)
    # one decision about a customer at a time: a concurrent approval of an overlapping registration
    # waits here, then reads this one approved and protected
    _lock_customer(f"domain:{deal.customer_domain}", f"company:{deal.company_key}")
    earlier = [
        rival
        for rival in _rivals(partner_id=deal.partner_id, domain=deal.customer_domain, key=deal.company_key)
        if evidence(
            domain=deal.customer_domain,
            company=deal.company_key,
            products=product_keys(deal.products),
            other_domain=rival.customer_domain,
            other_company=rival.company_key,
            other_products=product_keys(rival.products),
        )
        is not None
    ]
    protected = next((rival for rival in earlier if rival.is_protected(now)), None)
    if protected is not None:
        raise CustomerProtected(
            f"Another partner's registration protects this customer until {protected.protected_until:%Y-%m-%d}.",
            protected_until=protected.protected_until.isoformat(),
            conflicting=protected.pk,
        )
    first = [rival for rival in earlier if (rival.created_at, rival.pk) < (deal.created_at, deal.pk)]
    if first and not override_reason.strip():
        raise FieldErrors(
            {
                "override_reason": [
                    f"Registration {first[0].pk} of another partner came first; give a reason to override."
                ]
            }
        )
    days = partner_protection_days(deal.partner)
    deal.protected_until = now + timedelta(days=days)
    deal.decided_by, deal.decided_at = actor, now
    deal.decision_reason = override_reason.strip()[:500]
    deal.version = F("version") + 1
    deal.save()
    deal.refresh_from_db()
    _history(deal, actor=actor, action="approved", from_state=old, data={"days": days, "override": bool(first)}, at=now)
    deal_changed(deal=deal, actor=actor, type="deal.approved", message=f"Deal approved, protected {days} days")
    return deal


@transaction.atomic
def deal_reject(*, deal_id: int, actor, reason: str, now=None) -> Deal:
    """Reject a submitted registration, with a reason the partner reads."""
    if not (reason or "").strip():
        raise FieldErrors({"reason": ["Say why the registration is rejected; the partner reads it."]})
    now = now or timezone.now()
    deal = _locked(deal_id)
    old = _move(deal, State.REJECTED)
    deal.decided_by, deal.decided_at, deal.decision_reason = actor, now, reason.strip()[:500]
    deal.version = F("version") + 1
    deal.save()
    deal.refresh_from_db()
    _history(deal, actor=actor, action="rejected", from_state=old, data={"reason": deal.decision_reason}, at=now)
    deal_changed(deal=deal, actor=actor, type="deal.rejected", message="Deal rejected")
    return deal


@transaction.atomic
def deal_update(*, deal_id: int, actor, stage: str | None = None, expected_close_on: date | None = None) -> Deal:
    """The partner moves its open deal along its sales stages or changes the expected close date."""
    deal = _locked(deal_id)
    if deal.state not in Deal.OPEN_STATES:
        raise InvalidDealTransition(f"A deal that is {deal.state} cannot be changed.", current=deal.state)
    errors, changes = {}, {}
    if stage is not None and stage != deal.stage:
        if stage not in Deal.Stage.values:
            errors["stage"] = [f"Use one of {', '.join(Deal.Stage.values)}."]
        changes["stage"] = [deal.stage, stage]
    if expected_close_on is not None and expected_close_on != deal.expected_close_on:
        if expected_close_on < timezone.localdate():
            errors["expected_close_on"] = ["The expected close date is in the past."]
        changes["expected_close_on"] = [deal.expected_close_on.isoformat(), expected_close_on.isoformat()]
    if errors:
        raise FieldErrors(errors)
    if not changes:
        return deal
    deal.stage = stage if stage is not None else deal.stage
    deal.expected_close_on = expected_close_on or deal.expected_close_on
    deal.version = F("version") + 1
    deal.save()
    deal.refresh_from_db()
    _history(deal, actor=actor, action="updated", from_state=deal.state, data={"changes": changes})
    return deal


@transaction.atomic
def deal_close(*, deal_id: int, actor, won: bool, amount=None, closed_on: date | None = None) -> Deal:
    """Close an approved deal as won (with the amount and date) or lost; protection ends."""
    deal = _locked(deal_id)
    old = _move(deal, State.WON if won else State.LOST)
    errors = {}
    closed_on = closed_on or timezone.localdate()
    if closed_on > timezone.localdate():
        errors["closed_on"] = ["A deal cannot close in the future."]
    value = None
    if won:
        try:
            value = Decimal(str(amount))
        except (InvalidOperation, ValueError):
            errors["amount"] = ["Give the amount won, such as 25000."]
        else:
            if not value.is_finite() or value < 0 or value > AMOUNT_MAX:
                errors["amount"] = ["Give the amount won, between 0 and a trillion."]
    if errors:
        raise FieldErrors(errors)
    deal.closed_amount, deal.closed_on = value, closed_on
    deal.protected_until = None if not won else deal.protected_until
    deal.version = F("version") + 1
    deal.save()
    deal.refresh_from_db()
    _history(
        deal, actor=actor, action="closed", from_state=old, data={"won": won, "amount": str(value) if value else None}
    )
    deal_changed(deal=deal, actor=actor, type="deal.closed", message="Deal won" if won else "Deal lost")
    return deal


@transaction.atomic
def deal_extend(*, deal_id: int, actor, reason: str, now=None) -> Deal:
    """Extend an approved deal's protection once, by its protection days, with a reason."""
    if not (reason or "").strip():
        raise FieldErrors({"reason": ["Say why the protection is extended."]})
    now = now or timezone.now()
    deal = _locked(deal_id)
    if not deal.is_protected(now):
        raise InvalidDealTransition("Only an approved deal still protected can be extended.", current=deal.state)
    if deal.extended_at is not None:
        raise InvalidDealTransition("This deal's protection was extended once already.", current=deal.state)
    days = partner_protection_days(deal.partner)
    deal.protected_until += timedelta(days=days)
    deal.extended_at, deal.extension_reason = now, reason.strip()[:500]
    deal.version = F("version") + 1
    deal.save()
    deal.refresh_from_db()
    _history(deal, actor=actor, action="extended", from_state=deal.state, data={"days": days, "reason": reason}, at=now)
    return deal


def deals_remind(*, now=None) -> int:
    """Announce (``deal.expiring``) the end of protection of approved deals within their partner
    type's reminder days, once per protection: the conditional UPDATE on ``reminded_at`` claims
    each deal, so a second run announces nothing again; an extension announces anew."""
    now = now or timezone.now()
    reminders = dict(DealProtection.objects.values_list("partner_type", "reminder_days"))
    longest = max([*reminders.values(), DEFAULT_REMINDER_DAYS])
    due = Deal.objects.filter(
        state=State.APPROVED, protected_until__gt=now, protected_until__lte=now + timedelta(days=longest)
    ).filter(Q(reminded_at__isnull=True) | Q(reminded_at__lt=F("extended_at")))
    announced = 0
    for deal in due.select_related("partner").order_by("pk"):
        if deal.protected_until > now + timedelta(days=reminders.get(deal.partner.type, DEFAULT_REMINDER_DAYS)):
            continue
        with transaction.atomic():
            claimed = Deal.objects.filter(pk=deal.pk, reminded_at=deal.reminded_at).update(reminded_at=now)
            if not claimed:
                continue
            deal.reminded_at = now
            deal_changed(
                deal=deal,
                actor=None,
                type="deal.expiring",
                message=f"Deal protection ends {deal.protected_until:%Y-%m-%d}",
            )
            announced += 1
    return announced


def deals_expire(*, now=None) -> int:
    """Expire approved deals whose protection ended and submitted ones whose expected close date
    passed; one conditional UPDATE claims each, so a second run (or a concurrent one) expires
    nothing twice. Each expired deal gets its history row, timeline row and ``deal.closed`` event."""
    now = now or timezone.now()
    stale = Q(state=State.APPROVED, protected_until__lte=now) | Q(
        state=State.SUBMITTED, expected_close_on__lt=timezone.localdate(now)
    )
    expired = 0
    for deal_id in Deal.objects.filter(stale).order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            deal = (
                Deal.objects.select_for_update(skip_locked=True)
                .filter(stale, pk=deal_id)
                .select_related("partner")
                .first()
            )
            if deal is None:
                continue
            old = deal.state
            Deal.objects.filter(pk=deal.pk).update(state=State.EXPIRED, version=F("version") + 1)
            deal.refresh_from_db()
            _history(deal, actor=None, action="expired", from_state=old, at=now)
            deal_changed(deal=deal, actor=None, type="deal.closed", message="Deal expired")
            expired += 1
    return expired
