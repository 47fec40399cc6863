"""The certification list's filters, declared once: the API list (/api/v1/certifications/), the
manager's certification page and the partner's own page all read ``CertificationFilterSet``.

Each filter is answered by an index: partner by ``cert_partner_recent``, contact by
``cert_contact_recent``, state by ``cert_state_time``, the expiry by ``cert_expiry``, the vertical
through the definitions' foreign-key index, the search by the contacts' search-document GIN index
(the definitions' names are a small catalogue).
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from partners.models import Contact
from partners.reference import reference
from partners.selectors import prefix_query, search_words
from prm.filters import ChoiceListFilter, IdListFilter
from prm.querystring import ChoiceListField
from programs.certifications.models import Certification, CertificationDefinition

SEARCH_MAX_LENGTH = 200
ORDERINGS = {
    "-created_at": ("-created_at", "-id"),
    "created_at": ("created_at", "id"),
    "expires_on": ("expires_on", "id"),
    "-expires_on": ("-expires_on", "-id"),
}
ORDERING_LABELS = {
    "-created_at": "Newest first",
    "created_at": "Oldest first",
    "expires_on": "Expiring soonest",
    "-expires_on": "Expiring latest",
}


class VerticalListField(ChoiceListField):
    """A comma list of known vertical slugs, read from the reference data when the form is made."""

    def __init__(self, **kwargs):
        kwargs.pop("choices", None)
        super().__init__(choices=tuple(reference().verticals), **kwargs)


@extend_schema_field(OpenApiTypes.STR)
class VerticalListFilter(django_filters.Filter):
    field_class = VerticalListField

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(definition__in=CertificationDefinition.objects.filter(vertical_id__in=value).values("pk"))


class CertificationFilterForm(forms.Form):
    """A staff-only filter given by a partner's login is an error, never silently ignored."""

    staff = False
    STAFF_ONLY = ("partner",)

    def clean(self):
        data = super().clean()
        if not self.staff:
            for name in self.STAFF_ONLY:
                if (self.data.get(name) or "").strip():
                    self.add_error(name, "Only staff filter certifications by partner.")
        return data


class CertificationFilterSet(django_filters.FilterSet):
    """Filters of a certification list; the queryset given is already scoped to the caller
    (``selectors.certification_list``)."""

    partner = IdListFilter(field_name="partner_id", label="Partner", help_text="Staff only: partner id(s).")
    contact = IdListFilter(field_name="contact_id", label="Contact", help_text="Contact id, or a comma list of ids")
    vertical = VerticalListFilter(label="Vertical", help_text="A vertical's slug, or a comma list of them.")
    state = ChoiceListFilter(field_name="state", choices=Certification.State.choices, label="State")
    expires_before = django_filters.DateFilter(
        field_name="expires_on", lookup_expr="lte", label="Expires by", help_text="Expires on or before this date."
    )
    search = django_filters.CharFilter(
        method="filter_search",
        max_length=SEARCH_MAX_LENGTH,
        label="Search",
        help_text="The beginning of words of the contact's name or e-mail, or part of the certification's name.",
    )
    ordering = django_filters.ChoiceFilter(
        method="filter_ordering",
        choices=[(value, ORDERING_LABELS[value]) for value in ORDERINGS],
        label="Sort",
        help_text="One of: " + ", ".join(ORDERINGS) + ". Newest first by default.",
    )

    class Meta:
        model = Certification
        fields: list[str] = []
        form = CertificationFilterForm

    def __init__(self, data=None, queryset=None, *, request=None, user=None, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        self.user = user if user is not None else getattr(request, "user", None)

    def get_form_class(self):
        staff = bool(self.user is not None and self.user.is_staff)
        return type("CertificationFilterForm", (super().get_form_class(),), {"staff": staff})

    def filter_search(self, queryset: QuerySet[Certification], name: str, value: str) -> QuerySet[Certification]:
        text = value.strip()
        if not text:
            return queryset
        words = search_words(text)
        contacts = Contact.objects.all() if words else Contact.objects.none()
        for word in words:
            contacts = contacts.filter(search_document=prefix_query(word))
        definitions = CertificationDefinition.objects.filter(name__icontains=text).values("pk")
        return queryset.filter(Q(contact__in=contacts.values("pk")) | Q(definition__in=definitions))

    def filter_ordering(self, queryset, name, value: str):
        return queryset.order_by(*ORDERINGS[value]) if value in ORDERINGS else queryset
