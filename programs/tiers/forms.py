"""The program and tier pages' forms: shape only. programs.tiers.editing checks the ladder as a
whole and programs.tiers.services the memberships; their FieldErrors come back next to the fields."""

from __future__ import annotations

import re

from django import forms

from partners.forms import BootstrapFormMixin
from partners.models import Partner
from programs.deals.forms import ServiceErrorsMixin
from programs.tiers.editing import MAX_RANK
from programs.tiers.models import Program

CERTIFIED_ITEM = re.compile(r"^\s*([a-z0-9-]+)\s*[:=]\s*(-?\d+)\s*$")


class ProgramForm(ServiceErrorsMixin, BootstrapFormMixin, forms.ModelForm):
    partner_types = forms.MultipleChoiceField(
        label="Partner types",
        choices=Partner.Type.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only partners of these types can join.",
    )

    class Meta:
        model = Program
        fields = [
            "name", "slug", "partner_types", "description", "is_active", "currency", "grace_days", "auto_upgrade",
            "requires_agreement",
        ]  # fmt: skip
        labels = {"is_active": "Active", "grace_days": "Grace period (days)", "auto_upgrade": "Upgrade automatically"}
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def _post_clean(self):
        """Leave the model's checks to programs.tiers.editing, which reports them next to the fields."""


class CertifiedField(forms.CharField):
    """Certified people per vertical typed as ``healthcare: 3, retail: 2``; a dict once cleaned.
    Negative counts pass here so the ladder check says what is wrong with them."""

    def prepare_value(self, value):
        if isinstance(value, dict):
            return ", ".join(f"{slug}: {count}" for slug, count in sorted(value.items()))
        return value

    def has_changed(self, initial, data) -> bool:
        try:
            typed = self.to_python(data)
        except forms.ValidationError:
            return True
        return typed != (initial if isinstance(initial, dict) else self.to_python(initial or ""))

    def to_python(self, value) -> dict:
        if isinstance(value, dict):
            return value
        text = super().to_python(value)
        result: dict[str, int] = {}
        for item in filter(None, (part.strip() for part in text.split(","))):
            match = CERTIFIED_ITEM.match(item.lower())
            if not match:
                raise forms.ValidationError(f"“{item}” is not “vertical: number”, such as healthcare: 3.")
            slug, count = match.group(1), int(match.group(2))
            if slug in result:
                raise forms.ValidationError(f"{slug} is named twice.")
            result[slug] = count
        return result


class TierForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    """One tier of the ladder editor. Thresholds may be negative here: the ladder check refuses
    them with its own message, so every error of a tier reads the same wherever it is typed."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label="Name", max_length=60)
    rank = forms.IntegerField(label="Rank", help_text=f"1 is the entry tier; up to {MAX_RANK}.")
    min_revenue = forms.DecimalField(
        label="Minimum revenue", required=False, max_digits=14, decimal_places=2,
        help_text="Partner-sourced won revenue over 12 months, in the program's currency.",
    )  # fmt: skip
    min_won_deals = forms.IntegerField(label="Minimum won deals", required=False, help_text="Over 12 months.")
    min_certified = CertifiedField(
        label="Certified people per vertical", required=False, max_length=500,
        help_text="Vertical slugs with a count, such as healthcare: 3, retail: 2.",
    )  # fmt: skip
    requires_agreement = forms.BooleanField(label="Requires a signed agreement", required=False)
    min_health_score = forms.IntegerField(label="Minimum health score", required=False, help_text="0 to 100.")
    discount_percent = forms.DecimalField(label="Discount %", required=False, max_digits=5, decimal_places=2, initial=0)
    mdf_per_quarter = forms.DecimalField(
        label="MDF per quarter", required=False, max_digits=14, decimal_places=2, initial=0
    )
    deal_protection_days = forms.IntegerField(
        label="Deal protection days", required=False, help_text="Empty: the partner type's default."
    )
    lead_weight = forms.IntegerField(
        label="Lead routing weight", required=False, help_text="Empty: the engagement level's share."
    )

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("DELETE", None)
        for name in ("discount_percent", "mdf_per_quarter"):
            if data.get(name) is None:
                data[name] = 0
        if data.get("id") is None:
            data.pop("id", None)
        return data


class BaseTierFormSet(forms.BaseFormSet):
    def add_fields(self, form, index) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["class"] = "form-check-input"

    def deleted_ids(self) -> list[int]:
        return [form.cleaned_data["id"] for form in self.deleted_forms if form.cleaned_data.get("id")]

    def ladder(self) -> list[TierForm]:
        """The forms of the tiers kept or added (not deleted, not left empty)."""
        deleted = set(map(id, self.deleted_forms))
        return [
            form
            for form in self.forms
            if id(form) not in deleted and (form.cleaned_data.get("id") or form.has_changed())
        ]


TierFormSet = forms.formset_factory(TierForm, formset=BaseTierFormSet, extra=1, can_delete=True, max_num=20)


class MemberAddForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    partner = forms.IntegerField(label="Partner", widget=forms.Select)
    tier = forms.IntegerField(label="Tier", required=False, widget=forms.Select, help_text="The entry tier if empty.")
    reason = forms.CharField(label="Note", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class TierChangeForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    tier = forms.IntegerField(label="New tier", widget=forms.Select)
    reason = forms.CharField(
        label="Reason", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept in the member's tier history.",
    )  # fmt: skip
    expected_tier = forms.IntegerField(widget=forms.HiddenInput, required=False)
