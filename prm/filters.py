"""django-filter filters built on the one query-string parser (prm.querystring), for the API's FilterSets."""

from __future__ import annotations

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_field

from prm.querystring import ChoiceListField, IdListField, TrueFalseField


@extend_schema_field(OpenApiTypes.STR)
class IdListFilter(django_filters.Filter):
    """``?partner=4`` or ``?partner=4,8``: rows whose ``field_name`` is one of the ids."""

    field_class = IdListField

    def filter(self, qs, value):
        return qs.filter(**{f"{self.field_name}__in": value}) if value else qs


@extend_schema_field(OpenApiTypes.STR)
class ChoiceListFilter(django_filters.Filter):
    """``?status=open,done``: rows whose ``field_name`` is one of the given known values."""

    field_class = ChoiceListField

    def __init__(self, *args, choices, **kwargs):
        kwargs.setdefault("help_text", "One or a comma list of: " + ", ".join(value for value, _ in choices))
        super().__init__(*args, choices=choices, **kwargs)

    def filter(self, qs, value):
        return qs.filter(**{f"{self.field_name}__in": value}) if value else qs


@extend_schema_field(OpenApiTypes.BOOL)
class TrueFalseFilter(django_filters.Filter):
    """``?is_active=true`` or ``false``; anything else is a 400, never ignored."""

    field_class = TrueFalseField

    def filter(self, qs, value):
        return qs if value is None else qs.filter(**{self.field_name: value})


def filter_parameters(filterset_class) -> list[OpenApiParameter]:
    """The list's query parameters for the schema, with each filter's help text as its description
    (the schema generator drops it for filters that declare their own type), so they stay declared once."""
    types = {TrueFalseFilter: OpenApiTypes.BOOL, django_filters.DateFilter: OpenApiTypes.DATE}
    return [
        OpenApiParameter(
            name,
            next((kind for cls, kind in types.items() if isinstance(field, cls)), OpenApiTypes.STR),
            description=str(field.extra.get("help_text") or ""),
        )
        for name, field in filterset_class.base_filters.items()
    ]
