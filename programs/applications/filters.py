"""The application list's filters, declared once: the API list (/api/v1/applications/) and the
manager's queue page read ``ApplicationFilterSet``.

Each filter is answered by an index of PartnerApplication: state by ``application_state_age``,
the vetter by ``application_vetter_age``, duplicates by the partial ``application_duplicate_age``,
the search by ``application_domain`` or ``application_company_prefix``.
"""

from __future__ import annotations

from contextlib import suppress

import django_filters
from django.db.models import Q, QuerySet

from partners.models import Partner
from prm.filters import ChoiceListFilter, IdListFilter, TrueFalseFilter
from programs.applications.models import PartnerApplication
from programs.deals.matching import InvalidDomain, company_key, customer_domain

SEARCH_MAX_LENGTH = 200
ORDERINGS = {"created_at": ("created_at", "id"), "-created_at": ("-created_at", "-id")}
ORDERING_LABELS = {"created_at": "Oldest first", "-created_at": "Newest first"}


class ApplicationFilterSet(django_filters.FilterSet):
    """Filters of an application list; the queryset given is already scoped to the caller
    (``selectors.application_list``), oldest first unless ``ordering`` says otherwise."""

    state = ChoiceListFilter(field_name="state", choices=PartnerApplication.State.choices, label="State")
    requested_type = ChoiceListFilter(field_name="requested_type", choices=Partner.Type.choices, label="Type")
    duplicate = TrueFalseFilter(
        field_name="is_duplicate",
        label="Duplicates",
        help_text="true for applications whose domain another application or partner has, false for the others.",
    )
    vetter = IdListFilter(field_name="vetter_id", label="Vetter", help_text="User id, or a comma list of ids")
    search = django_filters.CharFilter(
        method="filter_search",
        max_length=SEARCH_MAX_LENGTH,
        label="Search",
        help_text="The company's name (its beginning) or its domain (example.com, a URL or an e-mail address).",
    )
    ordering = django_filters.ChoiceFilter(
        method="filter_ordering",
        choices=list(ORDERING_LABELS.items()),
        label="Sort",
        help_text="created_at (oldest first, the default) or -created_at.",
    )

    class Meta:
        model = PartnerApplication
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        text = value.strip()
        if not text:
            return queryset
        condition = Q()
        key = company_key(text)
        if key:
            condition |= Q(company_key__startswith=key)
        if "." in text or "@" in text:
            with suppress(InvalidDomain):  # not a domain after all: the name alone
                condition |= Q(domain=customer_domain(text))
        return queryset.filter(condition) if condition else queryset.none()

    def filter_ordering(self, queryset, name, value: str):
        return queryset.order_by(*ORDERINGS[value]) if value in ORDERINGS else queryset
