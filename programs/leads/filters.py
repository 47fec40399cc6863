"""The lead list's filters, declared once: the API list (/api/v1/leads/) and the manager's lead
page read ``LeadFilterSet``.

Every value is checked by the filter's form field, so a bad one is a form error: a 400 naming the
parameter in the API, the message next to the filter on the page. Status is answered by the
``lead_status_recent`` index, partner by ``lead_partner_recent``, country by
``lead_country_recent``, source by ``lead_source_recent``.
"""

from __future__ import annotations

import django_filters
from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from partners.reference import reference
from prm.filters import ChoiceListFilter, IdListFilter
from programs.leads.models import Lead

SEARCH_MAX_LENGTH = 200


class CodeListField(forms.Field):
    """A comma list of codes (``DE,AT``), normalised to upper or lower case; ``known`` (a
    callable returning the codes that exist) makes an unknown code an error."""

    def __init__(self, *, case: str = "upper", known=None, noun: str = "code", **kwargs):
        self.case, self.known, self.noun = case, known, noun
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value) -> tuple[str, ...]:
        if value in self.empty_values:
            return ()
        codes = [part.strip() for part in str(value).split(",") if part.strip()]
        if not codes:
            raise forms.ValidationError("Give one or more values, separated by commas.", code="invalid")
        codes = [code.upper() if self.case == "upper" else code.lower() for code in codes]
        if self.known is not None:
            known = self.known()
            unknown = [code for code in codes if code not in known]
            if unknown:
                raise forms.ValidationError(f"Unknown {self.noun}: {', '.join(unknown)}.", code="invalid_choice")
        return tuple(dict.fromkeys(codes))


@extend_schema_field(OpenApiTypes.STR)
class CodeListFilter(django_filters.Filter):
    field_class = CodeListField

    def filter(self, qs, value):
        return qs.filter(**{f"{self.field_name}__in": value}) if value else qs


@extend_schema_field(OpenApiTypes.STR)
class RegionFilter(CodeListFilter):
    """A region code or a comma list; each includes its sub-regions (EMEA finds DACH)."""

    def filter(self, qs, value):
        return qs.filter(region_id__in=reference().descendants(list(value))) if value else qs


class LeadFilterSet(django_filters.FilterSet):
    """Filters of a lead list; the queryset given is already scoped to the caller
    (``selectors.lead_list``)."""

    status = ChoiceListFilter(field_name="status", choices=Lead.Status.choices, label="Status")
    partner = IdListFilter(field_name="partner_id", label="Partner", help_text="Partner id, or a comma list of ids")
    country = CodeListFilter(field_name="country", label="Country", help_text="ISO country code, or a comma list")
    region = RegionFilter(
        field_name="region_id",
        label="Region",
        known=lambda: reference().regions,
        noun="region code",
        help_text="Region code; includes its sub-regions",
    )
    vertical = CodeListFilter(
        field_name="vertical_id", case="lower", label="Vertical", help_text="Vertical slug, or a comma list"
    )
    source = CodeListFilter(field_name="source", case="lower", label="Source", help_text="Source, or a comma list")
    search = django_filters.CharFilter(
        field_name="company",
        lookup_expr="istartswith",
        max_length=SEARCH_MAX_LENGTH,
        label="Company",
        help_text="The beginning of the lead's company name.",
    )

    class Meta:
        model = Lead
        fields: list[str] = []
