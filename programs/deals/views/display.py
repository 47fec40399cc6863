"""What the deal pages show of a deal, worked out in Python once per row: labels, amounts, dates
and the history in words (for a partner, never naming another partner or its registration)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.contrib import messages
from django.http import HttpRequest, QueryDict
from django.utils import timezone

from prm.errors import DomainError, FieldErrors
from prm.formats import short_date
from programs.deals import services
from programs.deals.filters import DealFilterSet
from programs.deals.models import Deal, DealHistory

STATE_LABELS = dict(Deal.State.choices)
STAGE_LABELS = dict(Deal.Stage.choices)
STATE_BADGES = {
    Deal.State.SUBMITTED: "text-bg-warning",
    Deal.State.APPROVED: "text-bg-success",
    Deal.State.REJECTED: "text-bg-danger",
    Deal.State.WON: "text-bg-primary",
    Deal.State.LOST: "text-bg-secondary",
    Deal.State.EXPIRED: "text-bg-light border",
}


def money(amount: Decimal | None, currency: str) -> str:
    """``25,000.00 EUR``: grouped digits, the code after (no symbol guessing)."""
    if amount is None:
        return ""
    return f"{amount:,.2f} {currency}"


def day(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return short_date(value)


def deal_row(deal: Deal, *, now=None) -> dict:
    """A list row's labels and figures."""
    now = now or timezone.now()
    return {
        "deal": deal,
        "state": STATE_LABELS.get(deal.state, deal.state),
        "badge": STATE_BADGES.get(deal.state, "text-bg-secondary"),
        "stage": STAGE_LABELS.get(deal.stage, deal.stage),
        "amount": money(deal.amount, deal.currency),
        "closed_amount": money(deal.closed_amount, deal.currency),
        "expected_close": day(deal.expected_close_on),
        "created": day(deal.created_at),
        "protected_until": day(deal.protected_until) if deal.is_protected(now) else "",
        "products": ", ".join(deal.products),
    }


def history_line(entry: DealHistory, *, staff: bool) -> dict:
    """One change in words; a partner reads its manager's decisions without the manager's name
    and never the ids of other partners' registrations."""
    data = entry.data or {}
    actor = ""
    if entry.actor is not None:
        if staff or not entry.actor.is_staff:
            actor = entry.actor.get_full_name() or entry.actor.email
        else:
            actor = "Your partner manager"
    detail = ""
    if entry.action == "registered":
        what = "Registered"
        if data.get("conflicts"):
            others = ", ".join(f"#{pk}" for pk in data["conflicts"])
            detail = f"Overlaps {others}" if staff else "Overlaps another registration of this customer"
    elif entry.action == "approved":
        what = "Approved"
        detail = f"Protected for {data.get('days')} days" + (
            " (earlier registration overridden)" if data.get("override") else ""
        )
    elif entry.action == "rejected":
        what, detail = "Rejected", data.get("reason", "")
    elif entry.action == "extended":
        what, detail = "Protection extended", f"{data.get('days')} more days: {data.get('reason', '')}"
    elif entry.action == "closed":
        what = "Closed won" if data.get("won") else "Closed lost"
        detail = f"Amount {data['amount']}" if data.get("amount") else ""
    elif entry.action == "updated":
        what = "Updated"
        changes = data.get("changes", {})
        parts = []
        if "stage" in changes:
            parts.append(
                f"stage {STAGE_LABELS.get(changes['stage'][0], '')} → {STAGE_LABELS.get(changes['stage'][1], '')}"
            )
        if "expected_close_on" in changes:
            old, new = (date.fromisoformat(value) for value in changes["expected_close_on"])
            parts.append(f"expected close {short_date(old)} → {short_date(new)}")
        detail = "; ".join(parts)
    elif entry.action == "expired":
        what = "Expired"
    else:
        what = entry.action.replace("_", " ").capitalize()
    when = timezone.localtime(entry.created_at)
    return {
        "what": what,
        "detail": detail,
        "actor": actor,
        "when": f"{short_date(when.date())}, {when:%H:%M}",
        "iso": when.isoformat(),
    }


def filter_query(request: HttpRequest, names, **overrides) -> str:
    """The given filter parameters that have a value (plus ``overrides``), url-encoded."""
    query = QueryDict(mutable=True)
    for key in names:
        value = request.GET.get(key, "").strip()
        if value:
            query[key] = value
    for key, value in overrides.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = str(value)
    return query.urlencode()


def filterset(request: HttpRequest, queryset, names) -> DealFilterSet:
    """DealFilterSet over the parameters a page shows (others in the address are left out: a page
    forgives what the API refuses), empty values dropped."""
    data = QueryDict(mutable=True)
    for key in names:
        value = request.GET.get(key, "").strip()
        if value:
            data[key] = value
    return DealFilterSet(data, queryset, request=request)


def close_from_form(request: HttpRequest, deal: Deal, form) -> bool:
    """Close ``deal`` as a valid DealCloseForm says, for the partner's page and the manager's
    alike: True when the page should be shown again (closed, or the deal moved on meanwhile, each
    said in a message), False when the form now carries the service's field errors."""
    won = form.cleaned_data["outcome"] == "won"
    try:
        services.deal_close(
            deal_id=deal.pk,
            actor=request.user,
            won=won,
            amount=form.cleaned_data["amount"] if won else None,
            closed_on=form.cleaned_data["closed_on"],
        )
    except FieldErrors as exc:
        form.add_service_errors(exc.errors)
        return False
    except DomainError as exc:  # closed or expired meanwhile
        messages.error(request, exc.message)
        return True
    messages.success(request, f"{deal.customer_company} is closed as {'won' if won else 'lost'}.")
    return True
