"""The membership list's filters, declared once: /api/v1/memberships/ and the program's members
page read ``MembershipFilterSet``; /api/v1/downgrade-proposals/ reads ``ProposalFilterSet``.

Each filter has its index: partner by ``membership_one_per_program`` (partner, program), program
by ``membership_program_tier``, tier by ``membership_tier_partner``, a state other than ok by the
partial ``membership_state``.
"""

from __future__ import annotations

import django_filters

from prm.filters import ChoiceListFilter, IdListFilter
from programs.tiers.models import DowngradeProposal, Membership

ORDERINGS = {
    "since": ("since", "id"),
    "-since": ("-since", "-id"),
    "partner": ("partner__name", "id"),
    "-partner": ("-partner__name", "-id"),
    "grace_until": ("grace_until", "id"),
    "-grace_until": ("-grace_until", "-id"),
}


class MembershipFilterSet(django_filters.FilterSet):
    """Filters of a membership list already scoped to the caller (``selectors.membership_list``)."""

    partner = IdListFilter(field_name="partner_id", label="Partner", help_text="Partner id, or a comma list of ids")
    program = IdListFilter(field_name="program_id", label="Program", help_text="Program id, or a comma list of ids")
    tier = IdListFilter(field_name="tier_id", label="Tier", help_text="Tier id, or a comma list of ids")
    state = ChoiceListFilter(
        field_name="state", choices=Membership.State.choices, label="State",
        help_text="One or a comma list of: " + ", ".join(Membership.State.values),
    )  # fmt: skip
    search = django_filters.CharFilter(
        field_name="partner__name", lookup_expr="istartswith", max_length=100, label="Search",
        help_text="The beginning of the partner's name.",
    )  # fmt: skip
    ordering = django_filters.ChoiceFilter(
        method="filter_ordering", choices=[(key, key) for key in ORDERINGS], label="Sort",
        help_text="One of: " + ", ".join(ORDERINGS) + " (a leading minus sorts descending).",
    )  # fmt: skip

    class Meta:
        model = Membership
        fields: list[str] = []

    def filter_ordering(self, queryset, name, value: str):
        return queryset.order_by(*ORDERINGS[value]) if value in ORDERINGS else queryset


class ProposalFilterSet(django_filters.FilterSet):
    partner = IdListFilter(field_name="partner_id", label="Partner", help_text="Partner id, or a comma list of ids")
    state = ChoiceListFilter(
        field_name="state", choices=DowngradeProposal.State.choices, label="State",
        help_text="One or a comma list of: " + ", ".join(DowngradeProposal.State.values),
    )  # fmt: skip

    class Meta:
        model = DowngradeProposal
        fields: list[str] = []
