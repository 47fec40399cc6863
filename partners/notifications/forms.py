"""The preferences form: a delivery per category that applies to the user, the digest hour and zone."""

from __future__ import annotations

from django import forms

from partners.forms import BootstrapFormMixin
from partners.notifications.models import Delivery
from partners.notifications.selectors import time_zone_names

HOURS = [(hour, f"{hour:02d}:00") for hour in range(24)]


class PreferencesForm(BootstrapFormMixin, forms.Form):
    digest_hour = forms.TypedChoiceField(
        choices=HOURS, coerce=int, label="Daily digest at", help_text="On your own clock, in the time zone below."
    )
    time_zone = forms.ChoiceField(label="Time zone", help_text="Where you are, e.g. Europe/Berlin.")

    def __init__(self, *args, preferences, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [(name, name.replace("_", " ")) for name in time_zone_names()]
        self.initial.setdefault("digest_hour", preferences.digest_hour)
        self.initial.setdefault("time_zone", preferences.time_zone)
        self.category_names = []
        for choice in preferences.choices:
            name = f"category_{choice.code}"
            self.fields[name] = forms.ChoiceField(
                choices=Delivery.choices,
                label=choice.category.label,
                help_text=choice.category.description,
                widget=forms.RadioSelect,
            )
            self.initial.setdefault(name, choice.delivery)
            self.category_names.append(name)
        # BootstrapFormMixin ran before the category fields existed
        for name in self.category_names:
            self.fields[name].widget.attrs["class"] = "form-check-input"

    def category_fields(self):
        return [self[name] for name in self.category_names]

    def deliveries(self) -> dict[str, str]:
        return {name.removeprefix("category_"): self.cleaned_data[name] for name in self.category_names}
