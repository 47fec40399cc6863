"""Forms of the strategy pages and the outcome inbox: they check the shape; services decide."""

from __future__ import annotations

from contextlib import suppress

from django import forms

from partners.forms import BootstrapFormMixin
from partners.models import Partner
from partners.reference import reference
from prm.querystring import MAX_DIGITS, QueryValueError, parse_int
from programs.strategies.models import Outcome, Strategy
from programs.strategies.selectors import OutcomeFilters

ANY = [("", "Any")]


class StrategySettingsForm(BootstrapFormMixin, forms.Form):
    """Name, schedule, active flag and scope of a strategy (the rules change by publishing)."""

    name = forms.CharField(max_length=120)
    schedule = forms.CharField(
        max_length=100, help_text="Cron, UTC: minute hour day-of-month month day-of-week, e.g. “0 3 * * *”."
    )
    is_active = forms.BooleanField(required=False, label="Active (runs on its schedule)")
    scope_engagement = forms.MultipleChoiceField(
        required=False,
        label="Engagement levels",
        choices=Partner.Engagement.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    scope_regions = forms.MultipleChoiceField(required=False, label="Regions")
    scope_verticals = forms.MultipleChoiceField(required=False, label="Verticals")

    def __init__(self, *args, strategy: Strategy, **kwargs):
        initial = {
            "name": strategy.name, "schedule": strategy.schedule, "is_active": strategy.is_active,
            "scope_engagement": strategy.scope_engagement, "scope_regions": strategy.scope_regions,
            "scope_verticals": strategy.scope_verticals,
        }  # fmt: skip
        super().__init__(*args, initial=initial, **kwargs)
        ref = reference()
        self.fields["scope_regions"].choices = [(code, f"{name} ({code})") for code, name in ref.regions.items()]
        self.fields["scope_verticals"].choices = list(ref.verticals.items())
        for name in ("scope_regions", "scope_verticals"):
            self.fields[name].widget.attrs.update({"size": 6})
        self.fields["scope_regions"].help_text = "None selected: every region. Ctrl/⌘-click to pick several."
        self.fields["scope_verticals"].help_text = "None selected: every vertical."

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.changed_data}


class InboxFilterForm(forms.Form):
    """The inbox's filters; invalid values are ignored rather than failing the page."""

    kind = forms.ChoiceField(required=False, choices=ANY + list(Outcome.Kind.choices))
    partner_type = forms.ChoiceField(required=False, label="Partner type", choices=ANY + list(Partner.Type.choices))
    partner = forms.CharField(required=False, max_length=100, label="Partner (name or id)")
    state = forms.ChoiceField(required=False, choices=[("open", "Open"), ("all", "Any state")] + [
        choice for choice in Outcome.State.choices if choice[0] != "open"
    ])  # fmt: skip
    due_before = forms.DateField(required=False, label="Due by", widget=forms.DateInput(attrs={"type": "date"}))
    everyone = forms.BooleanField(required=False, label="Everyone's")
    strategy = forms.IntegerField(required=False, min_value=1, max_value=10**MAX_DIGITS - 1, widget=forms.HiddenInput)

    def filters(self, *, user) -> tuple[OutcomeFilters, str]:
        """The selector's filters and a partner name to search for ("" for none)."""
        data = self.cleaned_data if self.is_valid() else {}
        state = data.get("state") or "open"
        partner = (data.get("partner") or "").strip()
        partner_ids, partner_name = ((), partner)
        with suppress(QueryValueError):  # a number is the partner's id, anything else part of its name
            partner_ids, partner_name = ((parse_int(partner),), "")
        filters = OutcomeFilters(
            kind=(data["kind"],) if data.get("kind") else (),
            state=() if state == "all" else (state,),
            partner_type=(data["partner_type"],) if data.get("partner_type") else (),
            partner=partner_ids,
            strategy=(data["strategy"],) if data.get("strategy") else (),
            assignee=() if data.get("everyone") else (user.pk,),
            due_before=data.get("due_before"),
        )
        return filters, partner_name


class OutcomeCloseForm(forms.Form):
    state = forms.ChoiceField(choices=[("done", "Done"), ("dismissed", "Dismissed")])
    note = forms.CharField(required=False, max_length=500)
