"""The lead pages' forms: shape only; programs.leads.services (and routing_settings) check the rest
and their FieldErrors come back next to the fields they name (``add_service_errors``)."""

from __future__ import annotations

from django import forms
from django_countries import countries

from partners.forms import BootstrapFormMixin
from partners.models import Partner
from partners.reference import reference
from programs.deals.forms import ServiceErrorsMixin
from programs.leads.models import Lead, LeadRoutingRule

FIELD_HELP = {
    LeadRoutingRule.Field.REGION: "Keeps partners covering the lead's region or a region above it (EMEA covers DACH).",
    LeadRoutingRule.Field.VERTICAL: "Keeps partners that serve the lead's vertical.",
    LeadRoutingRule.Field.COUNTRY: "Keeps partners whose headquarters are in the lead's country.",
    LeadRoutingRule.Field.PARTNER_TYPE: "Keeps partners of the types ticked below.",
    LeadRoutingRule.Field.ENGAGEMENT: "Keeps partners at the engagement levels ticked below.",
}
SIZE_CHOICES = [("", "Not known"), *Lead.Size.choices]


class LeadCreateForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    company = forms.CharField(label="Company", max_length=200, help_text="The prospect's company name.")
    contact_name = forms.CharField(label="Contact name", max_length=200, required=False)
    contact_email = forms.EmailField(label="Contact e-mail", max_length=254, required=False)
    country = forms.ChoiceField(
        label="Country", help_text="Where the prospect is; it decides the region if none is chosen."
    )
    region = forms.ChoiceField(
        label="Region", required=False, help_text="Leave empty to take the country's region (Germany → DACH)."
    )
    vertical = forms.ChoiceField(label="Vertical", required=False, help_text="The prospect's industry.")
    size = forms.ChoiceField(label="Company size", choices=SIZE_CHOICES, required=False)
    source = forms.CharField(
        label="Source",
        max_length=50,
        required=False,
        help_text="Where the lead came from: web, event, referral…",
        widget=forms.TextInput(attrs={"list": "lead-sources"}),
    )
    notes = forms.CharField(
        label="Notes",
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What the partner should know; it reads them once the lead is offered.",
    )

    sources = ("web", "event", "referral", "partner", "campaign")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        ref = reference()
        self.fields["country"].choices = [("", "Choose a country…"), *countries]
        regions = sorted(ref.regions.items(), key=lambda item: item[1])
        self.fields["region"].choices = [("", "From the country"), *regions]
        self.fields["vertical"].choices = [("", "Not known"), *ref.verticals.items()]


class LeadDeclineForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label="Why do you decline?",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Your partner manager reads it; the lead goes to another partner.",
        error_messages={"required": "Say why you decline this lead; your partner manager reads it."},
    )


class LeadAssignForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    """The partner is any id the picker offered (suggestions or a search); the service says
    whether that partner may take the lead."""

    partner = forms.IntegerField(
        label="Partner",
        min_value=1,
        help_text="Active partners never offered this lead, with their open leads.",
        error_messages={"required": "Choose the partner to offer this lead to."},
        widget=forms.Select(),
    )

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].widget.choices = [("", "Choose a partner…"), *partner_choices(candidates)]


def partner_choices(candidates) -> list[tuple[int, str]]:
    return [(partner.pk, f"{partner.name} ({partner.open_leads} open)") for partner in candidates]


class LeadCloseForm(forms.Form):
    converted = forms.TypedChoiceField(
        choices=[("true", "Converted"), ("false", "Closed")], coerce=lambda value: value == "true"
    )


TYPE_CHOICES = Partner.Type.choices
ENGAGEMENT_CHOICES = Partner.Engagement.choices


class RoutingRuleForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    name = forms.CharField(
        label="Name", max_length=100, help_text="What the rule does, as the routing history will show it."
    )
    field = forms.ChoiceField(
        label="Matches on",
        choices=[
            (LeadRoutingRule.Field.REGION, "Region"),
            (LeadRoutingRule.Field.VERTICAL, "Vertical"),
            (LeadRoutingRule.Field.COUNTRY, "Country"),
            (LeadRoutingRule.Field.PARTNER_TYPE, "Partner type"),
            (LeadRoutingRule.Field.ENGAGEMENT, "Engagement level"),
        ],
        help_text="Region, vertical and country compare the lead's own value; type and engagement the values ticked.",
    )
    partner_types = forms.MultipleChoiceField(
        label="Partner types", choices=TYPE_CHOICES, required=False, widget=forms.CheckboxSelectMultiple,
        help_text="For a partner type rule: the types that take leads.",
    )  # fmt: skip
    engagements = forms.MultipleChoiceField(
        label="Engagement levels", choices=ENGAGEMENT_CHOICES, required=False, widget=forms.CheckboxSelectMultiple,
        help_text="For an engagement rule: the levels that take leads.",
    )  # fmt: skip
    required = forms.BooleanField(
        label="Required",
        required=False,
        initial=True,
        help_text="Required: no partner left sends the lead to the manual queue. "
        "Not required: skipped when it would leave nobody.",
    )
    is_active = forms.BooleanField(label="On", required=False, initial=True, help_text="Off: routing ignores the rule.")

    field_help = FIELD_HELP

    @classmethod
    def for_rule(cls, rule: LeadRoutingRule, **kwargs) -> RoutingRuleForm:
        values = list(rule.values)
        return cls(
            initial={
                "name": rule.name,
                "field": rule.field,
                "required": rule.required,
                "is_active": rule.is_active,
                "partner_types": values if rule.field == LeadRoutingRule.Field.PARTNER_TYPE else [],
                "engagements": values if rule.field == LeadRoutingRule.Field.ENGAGEMENT else [],
            },
            **kwargs,
        )

    def clean(self):
        data = super().clean()
        field = data.get("field")
        if field == LeadRoutingRule.Field.PARTNER_TYPE and not data.get("partner_types"):
            self.add_error("partner_types", "Tick the partner types this rule keeps.")
        if field == LeadRoutingRule.Field.ENGAGEMENT and not data.get("engagements"):
            self.add_error("engagements", "Tick the engagement levels this rule keeps.")
        return data

    def values(self) -> list[str]:
        field = self.cleaned_data["field"]
        if field == LeadRoutingRule.Field.PARTNER_TYPE:
            return list(self.cleaned_data["partner_types"])
        if field == LeadRoutingRule.Field.ENGAGEMENT:
            return list(self.cleaned_data["engagements"])
        return []

    def add_service_errors(self, errors, names=None):
        field = self.data.get(self.add_prefix("field"))
        target = "engagements" if field == LeadRoutingRule.Field.ENGAGEMENT else "partner_types"
        super().add_service_errors(errors, names={"values": target, **(names or {})})


class WeightsForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    """One weight per engagement level."""

    def __init__(self, *args, weights: dict[str, int], **kwargs):
        super().__init__(*args, **kwargs)
        for value, label in ENGAGEMENT_CHOICES:
            self.fields[value] = forms.IntegerField(
                label=label,
                min_value=1,
                max_value=1000,
                initial=weights.get(value, 1),
                widget=forms.NumberInput(attrs={"class": "form-control", "style": "max-width: 8rem"}),
            )

    def weights(self) -> dict[str, int]:
        return {value: self.cleaned_data[value] for value, _ in ENGAGEMENT_CHOICES}


NUMBER = forms.NumberInput(attrs={"class": "form-control", "style": "min-width: 5rem; max-width: 8rem"})


class PoliciesForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    """Per partner type: capacity (open leads at most) and hours to answer an offer."""

    def __init__(self, *args, policies: dict[str, tuple[int, int]], **kwargs):
        super().__init__(*args, **kwargs)
        for value, label in TYPE_CHOICES:
            capacity, hours = policies.get(value, (20, 48))
            self.fields[f"capacity_{value}"] = forms.IntegerField(
                label=f"{label}: open leads at most", min_value=1, max_value=32767, initial=capacity, widget=NUMBER
            )
            self.fields[f"respond_hours_{value}"] = forms.IntegerField(
                label=f"{label}: hours to answer", min_value=1, max_value=32767, initial=hours, widget=NUMBER
            )

    def rows(self):
        return [(label, self[f"capacity_{value}"], self[f"respond_hours_{value}"]) for value, label in TYPE_CHOICES]

    def policies(self) -> dict[str, tuple[int, int]]:
        return {
            value: (self.cleaned_data[f"capacity_{value}"], self.cleaned_data[f"respond_hours_{value}"])
            for value, _ in TYPE_CHOICES
        }
