"""The list filters of strategies, runs and outcomes, declared once per resource on the shared
filters of prm.filters (every id and number goes through prm.querystring's one parser)."""

from __future__ import annotations

import django_filters
from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from partners.models import Partner
from prm.filters import ChoiceListFilter, IdListFilter, TrueFalseFilter
from prm.querystring import QueryValueError, parse_ids
from programs.strategies.models import Outcome, StrategyRun

ME = "me"


class AssigneeListField(forms.Field):
    """User ids separated by commas, where ``me`` stands for the caller (``?assignee=me,12``)."""

    def to_python(self, value) -> tuple[int | str, ...]:
        if value in self.empty_values:
            return ()
        parts = [part.strip() for part in str(value).split(",") if part.strip()]
        ids = [part for part in parts if part != ME]
        try:
            parsed = parse_ids(",".join(ids)) if ids else ()
        except QueryValueError:
            parsed = None
        if not parts or parsed is None:
            raise forms.ValidationError("Give user ids or me, separated by commas.", code="invalid")
        return (*parsed, ME) if ME in parts else parsed


@extend_schema_field(OpenApiTypes.STR)
class AssigneeFilter(django_filters.Filter):
    """``?assignee=12``, ``?assignee=12,15`` or ``?assignee=me``: outcomes assigned to those users."""

    field_class = AssigneeListField

    def filter(self, qs, value):
        if not value:
            return qs
        me = self.parent.request.user.pk if self.parent.request is not None else None
        ids = {me if item == ME else item for item in value}
        return qs.filter(**{f"{self.field_name}__in": sorted(i for i in ids if i is not None)})


class StrategyFilterSet(django_filters.FilterSet):
    partner_type = ChoiceListFilter(field_name="partner_type", choices=Partner.Type.choices)
    is_active = TrueFalseFilter(field_name="is_active", help_text="true: active strategies only; false: paused")


class RunFilterSet(django_filters.FilterSet):
    strategy = IdListFilter(field_name="strategy_id", help_text="Strategy id, or a comma list of ids")
    status = ChoiceListFilter(field_name="status", choices=StrategyRun.Status.choices)
    dry_run = TrueFalseFilter(field_name="dry_run", help_text="true: previews only; false: live runs only")


class OutcomeFilterSet(django_filters.FilterSet):
    """The outcome list's filters; without ``state`` it lists every state."""

    partner = IdListFilter(field_name="partner_id", help_text="Partner id, or a comma list of ids")
    kind = ChoiceListFilter(field_name="kind", choices=Outcome.Kind.choices)
    state = ChoiceListFilter(field_name="state", choices=Outcome.State.choices)
    audience = ChoiceListFilter(field_name="audience", choices=Outcome.Audience.choices)
    assignee = AssigneeFilter(field_name="assignee_id", help_text="User id, a comma list of ids, or `me`")
    run = IdListFilter(field_name="run_id", help_text="Run id, or a comma list of ids")
    strategy = IdListFilter(field_name="strategy_id", help_text="Strategy id, or a comma list of ids")
    partner_type = ChoiceListFilter(field_name="partner__type", choices=Partner.Type.choices)
    due_before = django_filters.DateFilter(
        field_name="due_on",
        lookup_expr="lte",
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Give a date as YYYY-MM-DD."},
        help_text="Due on or before this date (YYYY-MM-DD)",
    )
