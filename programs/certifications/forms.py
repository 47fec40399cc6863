"""The certification pages' forms: shape only; programs.certifications.services checks the rest and
its FieldErrors come back next to the fields they name (``add_service_errors``)."""

from __future__ import annotations

from django import forms

from partners.forms import BootstrapFormMixin
from partners.reference import reference
from programs.certifications.models import MAX_VALIDITY_MONTHS, MIN_VALIDITY_MONTHS
from programs.deals.forms import ServiceErrorsMixin

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CertificationRecordForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    """The contact and the certification are chosen from lists the view gives (the organisation's
    contacts, the active definitions); a value outside them is refused by the service."""

    contact = forms.TypedChoiceField(label="Contact", coerce=int, empty_value=None)
    definition = forms.TypedChoiceField(label="Certification", coerce=int, empty_value=None)
    earned_on = forms.DateField(label="Earned on", widget=DATE)
    expires_on = forms.DateField(
        label="Expires on",
        required=False,
        widget=DATE,
        help_text="Leave empty to count the certification's validity from the date earned.",
    )
    evidence = forms.FileField(
        label="Certificate",
        required=False,
        help_text="The certificate as a PDF, PNG or JPEG of at most 10 MB; your partner manager checks it.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"}),
    )

    def __init__(self, *args, contacts, definitions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].choices = [("", "Choose a contact…")] + [(c.pk, str(c.name)) for c in contacts]
        self.fields["definition"].choices = [("", "Choose a certification…")] + [
            (d.pk, f"{d.name} · {d.vertical.name}, {d.validity_months} months") for d in definitions
        ]


class RejectForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label="Reason for rejecting",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The partner reads it.",
    )


class DefinitionForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    name = forms.CharField(label="Name", max_length=120)
    vertical = forms.ChoiceField(label="Vertical")
    validity_months = forms.IntegerField(
        label="Valid for (months)", min_value=MIN_VALIDITY_MONTHS, max_value=MAX_VALIDITY_MONTHS
    )
    description = forms.CharField(
        label="Description", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    is_active = forms.BooleanField(label="Offered when certifications are recorded", required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vertical"].choices = [("", "Choose a vertical…"), *reference().verticals.items()]
