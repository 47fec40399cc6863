"""The deal pages' forms: shape only; programs.deals.services checks the rest and its FieldErrors
come back next to the fields they name (``add_service_errors``)."""

from __future__ import annotations

from django import forms

from partners.forms import BootstrapFormMixin
from programs.deals.models import Deal

COMMON_CURRENCIES = ("EUR", "USD", "GBP", "CHF", "JPY", "AUD", "CAD", "SEK", "NOK", "DKK", "PLN", "INR", "SGD")


class ServiceErrorsMixin:
    def add_service_errors(self, errors: dict[str, list[str]], names: dict[str, str] | None = None) -> None:
        """A service's field errors next to this form's fields (renamed by ``names``); the others
        above the form."""
        for field, messages in errors.items():
            field = (names or {}).get(field, field)
            for message in messages:
                self.add_error(field if field in self.fields else None, message)


class DealRegisterForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    customer_company = forms.CharField(
        label="Customer company",
        max_length=200,
        help_text="The company buying, as it is registered: “Acme Inc.”.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    customer_domain = forms.CharField(
        label="Customer domain",
        max_length=300,
        help_text="The customer's website or e-mail domain, such as acme.com; subdomains and www. are ignored.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "url", "spellcheck": "false"}),
    )
    contact_name = forms.CharField(label="Customer contact", max_length=200, required=False)
    contact_email = forms.EmailField(label="Contact e-mail", max_length=254, required=False)
    amount = forms.CharField(
        label="Amount",
        max_length=40,
        help_text="The expected deal value, such as 25000 or 25000.50.",
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    currency = forms.CharField(
        label="Currency",
        max_length=10,  # the service says what a currency code is
        initial="EUR",
        help_text="An ISO 4217 code, such as EUR or USD.",
        widget=forms.TextInput(attrs={"list": "currency-codes", "autocapitalize": "characters", "size": 4}),
    )
    expected_close_on = forms.DateField(
        label="Expected close", help_text="When you expect the customer to sign.", widget=forms.DateInput(
            attrs={"type": "date"}
        )
    )  # fmt: skip
    products = forms.CharField(
        label="Products",
        max_length=1000,
        required=False,
        help_text="Separate products with commas. Registrations of one customer overlap only if they share a product "
        "(or one names none).",
    )
    notes = forms.CharField(
        label="Notes", max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Anything your partner manager should know to decide.",
    )  # fmt: skip

    currencies = COMMON_CURRENCIES

    def product_list(self) -> list[str]:
        return [name.strip() for name in (self.cleaned_data.get("products") or "").split(",") if name.strip()]


class DealUpdateForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    stage = forms.ChoiceField(label="Stage", choices=Deal.Stage.choices)
    expected_close_on = forms.DateField(label="Expected close", widget=forms.DateInput(attrs={"type": "date"}))


class DealCloseForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    outcome = forms.ChoiceField(label="Outcome", choices=[("won", "Won"), ("lost", "Lost")])
    amount = forms.CharField(
        label="Amount won",
        max_length=40,
        required=False,
        help_text="Needed when won.",
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    closed_on = forms.DateField(
        label="Closed on",
        required=False,
        help_text="Today if left empty.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("outcome") == "won" and not (data.get("amount") or "").strip():
            self.add_error("amount", "Give the amount won, such as 25000.")
        return data


class ReasonForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    """A decision's reason (the service says when one is needed); the label says what it is for."""

    reason = forms.CharField(label="Reason", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, label: str = "Reason", help_text: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
        self.fields["reason"].help_text = help_text
