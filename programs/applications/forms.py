"""The application pages' forms: shape only; programs.applications.services checks the rest and
its FieldErrors come back next to the fields they name."""

from __future__ import annotations

from django import forms
from django_countries import countries

from partners.forms import BootstrapFormMixin
from partners.models import Partner
from partners.reference import reference
from programs.applications.selectors import vetters
from programs.applications.services import website_domain
from programs.deals.forms import ServiceErrorsMixin
from programs.deals.matching import InvalidDomain

HONEYPOT = "fax"  # a field people never see and bots fill in

TYPE_HELP = {
    Partner.Type.BUSINESS: "A general business relationship.",
    Partner.Type.FINANCIAL: "You provide debt or equity services.",
    Partner.Type.TECHNOLOGY: "You supply technology we build on or integrate with.",
    Partner.Type.SALES: "You sell our products.",
    Partner.Type.CHANNEL: "You market, sell and support our products.",
    Partner.Type.SUPPORT: "You support our customers for us.",
}


def _regions_in_tree_order(ref) -> list[tuple[str, str]]:
    """Regions depth first (Global, Americas, Latin America, …), each right after its parent."""
    children, ordered = ref.children(), []

    def walk(parent) -> None:
        for code in sorted(children.get(parent, ()), key=lambda code: ref.regions[code]):
            ordered.append((code, ref.regions[code]))
            walk(code)

    walk(None)
    return ordered


class ApplyForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    company = forms.CharField(
        label="Company name", max_length=200, widget=forms.TextInput(attrs={"autocomplete": "organization"})
    )
    website = forms.CharField(
        label="Website",
        max_length=200,
        help_text="Your company's website, such as example.com.",
        widget=forms.TextInput(attrs={"autocomplete": "url", "inputmode": "url", "spellcheck": "false"}),
    )
    country = forms.ChoiceField(label="Headquarters country", choices=())
    requested_type = forms.ChoiceField(
        label="How would you like to partner with us?", choices=Partner.Type.choices, widget=forms.RadioSelect
    )
    verticals = forms.MultipleChoiceField(
        label="Industries you serve",
        required=False,
        choices=(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Choose any that apply.",
    )
    regions = forms.MultipleChoiceField(
        label="Regions you cover",
        choices=(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Choose at least one.",
        error_messages={"required": "Choose at least one region."},
    )
    contact_name = forms.CharField(
        label="Your name", max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    contact_email = forms.EmailField(
        label="Work e-mail",
        max_length=254,
        help_text="We write to you here, and invite you here if we partner.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    contact_phone = forms.CharField(
        label="Phone",
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    message = forms.CharField(
        label="Tell us about your company",
        max_length=5000,
        required=False,
        help_text="Your customers, your team, what you would like to do together.",
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    consent = forms.BooleanField(
        label="I agree that these details are stored and used to assess this application.",
        error_messages={"required": "We can only assess your application with your agreement."},
    )
    fax = forms.CharField(
        label="Leave this field empty",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        ref = reference()
        self.fields["country"].choices = [("", "Choose a country…"), *countries]
        self.fields["verticals"].choices = list(ref.verticals.items())
        self.fields["regions"].choices = _regions_in_tree_order(ref)

    def region_groups(self) -> tuple[list, list[tuple]]:
        """The region checkboxes as the page shows them: the top regions (Global) on their own,
        then one group per region right below them (a continent), its sub-regions indented."""
        parents = reference().parents
        boxes = {option.data["value"]: option for option in self["regions"]}  # depth first
        tops = [code for code in boxes if parents.get(code) not in boxes]
        groups: dict[str, list] = {}
        for code in boxes:
            parent = parents.get(code)
            if parent in tops:
                groups[code] = []
            elif code not in tops:
                ancestor = code
                while parents.get(ancestor) not in tops:
                    ancestor = parents[ancestor]
                groups[ancestor].append(boxes[code])
        return [boxes[code] for code in tops], [(boxes[code], children) for code, children in groups.items()]

    def type_options(self) -> list[tuple]:
        """Each partner type's radio button with a sentence saying what it means."""
        return [(option, TYPE_HELP.get(option.data["value"], "")) for option in self["requested_type"]]

    def clean_website(self) -> str:
        """Said next to the field at once; the service checks it again with the rest."""
        value = self.cleaned_data["website"]
        try:
            website_domain(value)
        except InvalidDomain as exc:
            raise forms.ValidationError(str(exc)) from None
        return value

    @property
    def is_spam(self) -> bool:
        """The honeypot was filled in: whatever else was sent, nothing is stored."""
        return bool((self.data.get(self.add_prefix(HONEYPOT)) or "").strip())


class AssignForm(BootstrapFormMixin, forms.Form):
    vetter = forms.ModelChoiceField(queryset=None, required=False, empty_label="Nobody", label="Vetter")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vetter"].queryset = vetters()
        self.fields["vetter"].label_from_instance = lambda user: user.get_full_name() or user.email


class RejectForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label="Reason for rejecting",
        max_length=2000,
        help_text="E-mailed to the applicant as written.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
