"""Forms of the import pages: the upload (kind and file) and the column mapping. Their shape only:
the services check the file and the mapping, and their FieldErrors land next to these fields."""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from partners.forms import BootstrapFormMixin
from partners.imports.kinds import ImportKind, kinds

IGNORE = ""
IGNORE_LABEL = "— ignore this column —"
QUOTED = re.compile(r"“([^”]*)”")


class ImportUploadForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label="What the rows are",
        error_messages={"required": "Choose what the rows are.", "invalid_choice": "Choose partners or contacts."},
    )
    file = forms.FileField(
        label="CSV file",
        allow_empty_file=True,  # the service says why an empty file cannot be imported
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        error_messages={"required": "Choose a CSV file."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind.code, kind.label) for kind in kinds()]
        self.fields["file"].help_text = (
            f"Up to {filesizeformat(settings.IMPORT_MAX_BYTES)}. Encoded as UTF-8 (with or without BOM), UTF-16 or "
            "Windows-1252; columns separated by commas, semicolons, tabs or vertical bars (|). The first row names "
            "the columns."
        )

    def add_service_errors(self, errors: dict) -> None:
        """A service's FieldErrors next to the field they name (form-wide for any other name)."""
        for name, messages in errors.items():
            self.add_error(name if name in self.fields else None, list(messages))


def column_field_name(index: int) -> str:
    return f"column_{index}"


class ImportMappingForm(BootstrapFormMixin, forms.Form):
    """One select per named column of the file's header: the field it feeds, or none.

    Columns whose header cell is blank get no select (the import cannot name them)."""

    def __init__(self, *args, kind: ImportKind, header: list[str], guess: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.header = header
        choices = [(IGNORE, IGNORE_LABEL), *((column.field, column.label) for column in kind.columns)]
        for index, name in enumerate(header):
            if not name:
                continue
            self.fields[column_field_name(index)] = forms.ChoiceField(
                label=name,
                choices=choices,
                required=False,
                initial=guess.get(name, IGNORE),
                error_messages={"invalid_choice": "Choose one of the fields listed, or ignore the column."},
            )

    def mapping(self) -> dict[str, str]:
        """Column header → field ("" for an ignored column), for every named column."""
        return {
            name: self.cleaned_data.get(column_field_name(index)) or IGNORE
            for index, name in enumerate(self.header)
            if name
        }

    def add_mapping_errors(self, messages: list[str]) -> None:
        """The service's mapping errors at the top, and each next to the columns it quotes."""
        fields_by_header = {name: column_field_name(index) for index, name in enumerate(self.header) if name}
        for message in messages:
            self.add_error(None, message)
            for quoted in QUOTED.findall(message):
                field = fields_by_header.get(quoted)
                if field and message not in self.errors.get(field, []):
                    self.add_error(field, message)
