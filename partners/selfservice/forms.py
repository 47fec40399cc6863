"""Forms of the partner portal: only the fields a partner may change are on them."""

from __future__ import annotations

from django import forms

from partners.forms import BootstrapFormMixin, https_urls
from partners.models import Partner
from partners.records.models import PartnerDocument


class PartnerProfileForm(BootstrapFormMixin, forms.ModelForm):
    """What a partner maintains about itself. Type, status, owner, engagement, regions, verticals
    and slug are the manager's: they are not fields here, so a forged POST carrying them is ignored."""

    expected_version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Partner
        fields = ["name", "legal_name", "website", "description"]
        formfield_callback = https_urls
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}
        labels = {"name": "Company name", "legal_name": "Legal name", "website": "Website"}
        help_texts = {
            "website": "For example https://example.com",
            "legal_name": "As it appears on contracts, if it differs from the company name.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expected_version"].initial = self.instance.version

    def changed_fields(self) -> dict:
        """Only what the user changed, for partner_update; call after is_valid()."""
        return {name: self.cleaned_data[name] for name in self.changed_data if name in self._meta.fields}


class DocumentUploadForm(BootstrapFormMixin, forms.Form):
    """A document to upload; partners.records.services.document_add checks the file's type and size."""

    kind = forms.ChoiceField(choices=PartnerDocument.Kind.choices, label="Kind of document")
    title = forms.CharField(max_length=200)
    file = forms.FileField(help_text="PDF, PNG or JPEG, at most 10 MB.")
    issued_on = forms.DateField(required=False, label="Issued on", widget=forms.DateInput(attrs={"type": "date"}))
    expires_on = forms.DateField(required=False, label="Expires on", widget=forms.DateInput(attrs={"type": "date"}))


class DocumentReplaceForm(BootstrapFormMixin, forms.Form):
    """A newer version of a document; it keeps the document's kind, and its title unless changed.
    partners.records.services.document_replace checks the file as an upload's."""

    file = forms.FileField(label="New file", help_text="PDF, PNG or JPEG, at most 10 MB.")
    title = forms.CharField(max_length=200, required=False, help_text="Left empty, the current title is kept.")
    issued_on = forms.DateField(required=False, label="Issued on", widget=forms.DateInput(attrs={"type": "date"}))
    expires_on = forms.DateField(required=False, label="Expires on", widget=forms.DateInput(attrs={"type": "date"}))
