"""The agreement and onboarding pages' forms: shape only; programs.onboarding.services checks the
rest and its FieldErrors come back next to the fields they name."""

from __future__ import annotations

from django import forms

from partners.forms import BootstrapFormMixin
from partners.models import Partner, Region
from partners.records.models import Agreement
from programs.deals.forms import ServiceErrorsMixin
from programs.onboarding.models import Onboarding, OnboardingItem, OnboardingTemplate
from programs.onboarding.services import typed_name_errors
from programs.onboarding.text import PLACEHOLDERS


class AgreementAcceptForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    template = forms.IntegerField(widget=forms.HiddenInput)
    typed_name = forms.CharField(
        label="Your full name",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    confirm = forms.BooleanField(
        label="I have read the agreement and accept it on behalf of my organisation.",
        error_messages={"required": "Tick this box to accept the agreement."},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_typed_name(self) -> str:
        """The service's rule, checked here too so both fields' errors show at once."""
        typed_name = self.cleaned_data["typed_name"]
        errors = typed_name_errors(typed_name=typed_name, user=self.user)
        if errors:
            raise forms.ValidationError(errors)
        return typed_name


class OnboardingFilterForm(BootstrapFormMixin, forms.Form):
    """The manager list's filters; bad values are errors next to the filters (400), not a 500."""

    search = forms.CharField(label="Partner", max_length=100, required=False)
    state = forms.ChoiceField(label="State", required=False, choices=[("", "Any state"), *Onboarding.State.choices])
    type = forms.ChoiceField(label="Type", required=False, choices=[("", "Any type"), *Partner.Type.choices])
    overdue = forms.BooleanField(label="Only with overdue items", required=False)
    mine = forms.BooleanField(label="Only partners I own", required=False)


class AgreementTemplateForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    """A new version of an agreement (publishing makes it current for its type and region)."""

    name = forms.CharField(label="Name", max_length=120)
    kind = forms.ChoiceField(label="Kind of agreement", choices=Agreement.Kind.choices)
    partner_type = forms.ChoiceField(label="Partner type", choices=Partner.Type.choices)
    region = forms.ModelChoiceField(
        label="Region", queryset=Region.objects.all(), required=False, empty_label="Any region",
        help_text="Partners in this region or below it; a more specific region wins.",
    )  # fmt: skip
    valid_months = forms.IntegerField(
        label="Valid for (months)", min_value=1, max_value=120, required=False, help_text="Empty for open-ended."
    )
    body = forms.CharField(
        label="Text",
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="Placeholders: " + ", ".join(f"{{{name}}}" for name in PLACEHOLDERS) + ".",
    )


class OnboardingTemplateForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = OnboardingTemplate
        fields = ["name", "partner_type", "description", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class OnboardingItemForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = OnboardingItem
        fields = ["position", "title", "description", "due_offset_days", "auto"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


OnboardingItemFormSet = forms.inlineformset_factory(
    OnboardingTemplate, OnboardingItem, form=OnboardingItemForm, extra=2, can_delete=True, max_num=30
)
