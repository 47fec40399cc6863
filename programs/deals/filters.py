"""The deal list's filters, declared once: the API list (/api/v1/deals/), the manager's deal page
and its CSV export, and the partner's own deal page all read ``DealFilterSet``.

Each filter is answered by an index of Deal (or DealConflict): state by ``deal_state_recent``,
partner by ``deal_partner_recent``, the end of protection by the partial ``deal_protection_end``,
conflicts by the conflict table's two foreign-key indexes (a semi-join each way).
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from prm.filters import ChoiceListFilter, IdListFilter, TrueFalseFilter
from prm.querystring import QueryValueError, parse_int
from programs.deals.matching import InvalidDomain, company_key, customer_domain
from programs.deals.models import Deal, DealConflict

MAX_PROTECTION_DAYS = 3650
SEARCH_MAX_LENGTH = 200

# ?ordering= → the ORDER BY; each ends on the id, so cursor pages walk it (prm.cursor)
ORDERINGS = {
    "created_at": ("created_at", "id"),
    "-created_at": ("-created_at", "-id"),
    "expected_close": ("expected_close_on", "id"),
    "-expected_close": ("-expected_close_on", "-id"),
    "amount": ("amount", "id"),
    "-amount": ("-amount", "-id"),
    "protected_until": ("protected_until", "id"),
    "-protected_until": ("-protected_until", "-id"),
    "customer_name": ("customer_company", "id"),
    "-customer_name": ("-customer_company", "-id"),
}
ORDERING_LABELS = {
    "-created_at": "Newest first",
    "created_at": "Oldest first",
    "expected_close": "Closing soonest",
    "-expected_close": "Closing latest",
    "-amount": "Largest amount",
    "amount": "Smallest amount",
    "protected_until": "Protection ending soonest",
    "customer_name": "Customer (A to Z)",
    "-customer_name": "Customer (Z to A)",
}


def start_of_day(day) -> datetime:
    """Midnight at the start of ``day`` in the site's time zone: a date range on ``created_at``
    compares the column itself, so an index on it can answer."""
    return timezone.make_aware(datetime.combine(day, time.min))


class DaysField(forms.Field):
    """A whole number of days from 1 to ten years, parsed by the one query-string parser."""

    def to_python(self, value) -> int | None:
        if value in self.empty_values:
            return None
        try:
            return parse_int(str(value), minimum=1, maximum=MAX_PROTECTION_DAYS)
        except QueryValueError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None


class DaysFilter(django_filters.Filter):
    field_class = DaysField


class DealFilterForm(forms.Form):
    """Cross-field checks: a range's start after its end is an error, never an empty list; a
    staff-only filter given by a partner's login is an error, never silently ignored."""

    staff = False
    STAFF_ONLY = ("partner", "has_conflicts")

    def clean(self):
        data = super().clean()
        if not self.staff:
            for name in self.STAFF_ONLY:
                if (self.data.get(name) or "").strip():
                    self.add_error(name, "Only staff filter deals by this.")
        for low, high in (("created_after", "created_before"), ("expected_close_after", "expected_close_before")):
            if data.get(low) and data.get(high) and data[low] > data[high]:
                self.add_error(high, "The end of the range is before its start.")
        return data


class DealFilterSet(django_filters.FilterSet):
    """Filters of a deal list; the queryset given is already scoped to the caller
    (``selectors.deal_list``). ``partner`` and ``has_conflicts`` are for staff: a partner's login
    reads only its own deals and never another partner's conflicts (a 400 names them)."""

    status = ChoiceListFilter(field_name="state", choices=Deal.State.choices, label="Status")
    stage = ChoiceListFilter(field_name="stage", choices=Deal.Stage.choices, label="Stage")
    partner = IdListFilter(field_name="partner_id", label="Partner", help_text="Partner id, or a comma list of ids")
    search = django_filters.CharFilter(
        method="filter_search",
        max_length=SEARCH_MAX_LENGTH,
        label="Search",
        help_text="The customer's company name (its beginning) or domain (acme.com, a URL or an e-mail).",
    )
    created_after = django_filters.DateFilter(
        method="filter_created_after", label="Registered from", help_text="Registered on or after this date."
    )
    created_before = django_filters.DateFilter(
        method="filter_created_before", label="Registered until", help_text="Registered on or before this date."
    )
    expected_close_after = django_filters.DateFilter(
        field_name="expected_close_on", lookup_expr="gte", label="Closing from", help_text="Expected close on or after."
    )
    expected_close_before = django_filters.DateFilter(
        field_name="expected_close_on",
        lookup_expr="lte",
        label="Closing until",
        help_text="Expected close on or before.",
    )
    protection_ends_within = DaysFilter(
        method="filter_protection_ends_within",
        label="Protection ends within (days)",
        help_text="Approved deals whose protection ends within this many days (from 1 to 3650).",
    )
    has_conflicts = TrueFalseFilter(
        method="filter_has_conflicts",
        label="Conflicts",
        help_text="Staff only: true for deals overlapping another partner's registration, false for the others.",
    )
    ordering = django_filters.ChoiceFilter(
        method="filter_ordering",
        choices=[(value, ORDERING_LABELS.get(value, value)) for value in ORDERINGS],
        label="Sort",
        help_text="One of: " + ", ".join(ORDERINGS) + " (a leading minus sorts descending). Newest first by default.",
    )

    class Meta:
        model = Deal
        fields: list[str] = []
        form = DealFilterForm

    def __init__(self, data=None, queryset=None, *, request=None, user=None, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        self.user = user if user is not None else getattr(request, "user", None)

    @property
    def staff(self) -> bool:
        return bool(self.user is not None and self.user.is_staff)

    def get_form_class(self):
        # the form knows whether the caller is staff, so its clean() can refuse staff-only filters
        return type("DealFilterForm", (super().get_form_class(),), {"staff": self.staff})

    def filter_search(self, queryset: QuerySet[Deal], name: str, value: str) -> QuerySet[Deal]:
        """The beginning of the company name in matching's normal form ("ACME, Inc." finds Acme
        Corp), or, for something that reads as a domain, the registrable domain itself."""
        text = value.strip()
        if not text:
            return queryset
        condition = Q()
        key = company_key(text)
        if key:
            condition |= Q(company_key__startswith=key)
        if "." in text or "@" in text:
            with suppress(InvalidDomain):  # not a domain after all: the name alone
                condition |= Q(customer_domain=customer_domain(text))
        return queryset.filter(condition) if condition else queryset.none()

    def filter_created_after(self, queryset, name, value):
        return queryset.filter(created_at__gte=start_of_day(value))

    def filter_created_before(self, queryset, name, value):
        return queryset.filter(created_at__lt=start_of_day(value + timedelta(days=1)))

    def filter_protection_ends_within(self, queryset, name, value: int):
        now = timezone.now()
        return queryset.filter(
            state=Deal.State.APPROVED, protected_until__gt=now, protected_until__lte=now + timedelta(days=value)
        )

    def filter_has_conflicts(self, queryset, name, value: bool | None):
        if value is None:
            return queryset
        overlapping = Exists(DealConflict.objects.filter(deal_id=OuterRef("pk"))) | Exists(
            DealConflict.objects.filter(other_id=OuterRef("pk"))
        )
        return queryset.filter(overlapping) if value else queryset.exclude(overlapping)

    def filter_ordering(self, queryset, name, value: str):
        return queryset.order_by(*ORDERINGS[value]) if value in ORDERINGS else queryset
