"""Forms: the partner filters (shared by the API and the pages) and the portal's edit forms."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField

from partners.models import Contact, Partner, Region, Vertical
from partners.selectors import ORDERINGS, PartnerFilters, region_children, region_descendants


class CommaSeparatedMultiple(forms.SelectMultiple):
    """Reads ``?type=channel,sales`` as well as ``?type=channel&type=sales``."""

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else data.get(name)
        if values is None:
            return []
        if isinstance(values, str):
            values = [values]
        return [part.strip() for value in values for part in str(value).split(",") if part.strip()]


class CommaSeparatedChoiceField(forms.MultipleChoiceField):
    """A multiple choice read from a comma list; ``known`` (values → the known ones) replaces
    the choices when they come from the database, so a request only queries what it filters on."""

    widget = CommaSeparatedMultiple

    def __init__(self, *, noun: str, known=None, **kwargs):
        self.noun = noun
        self.known = known
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def validate(self, value):
        if self.known is not None:
            valid = self.known(value) if value else set()
            unknown = [item for item in value if item not in valid]
        else:
            unknown = [item for item in value if not self.valid_value(item)]
        if unknown:
            raise forms.ValidationError(f"Unknown {self.noun}: {', '.join(unknown)}.", code="invalid_choice")


def staff_users():
    return get_user_model().objects.filter(is_staff=True, is_active=True).order_by("first_name", "last_name", "email")


def staff_label(user) -> str:
    return user.get_full_name() or user.email


class PartnerFilterForm(forms.Form):
    """Validates the partner list filters of api.md; unknown values are errors, never ignored.

    Pages render the choices (three small queries); the API passes ``lazy=True`` and only
    queries the reference data of the filters actually given.
    """

    type = CommaSeparatedChoiceField(noun="type", choices=Partner.Type.choices)
    status = CommaSeparatedChoiceField(noun="status", choices=Partner.Status.choices)
    region = CommaSeparatedChoiceField(noun="region", choices=())
    vertical = CommaSeparatedChoiceField(noun="vertical", choices=())
    engagement = CommaSeparatedChoiceField(noun="engagement", choices=Partner.Engagement.choices)
    owner = CommaSeparatedChoiceField(noun="owner", choices=())
    created_after = forms.DateTimeField(required=False)
    updated_after = forms.DateTimeField(required=False)
    search = forms.CharField(required=False, max_length=100, strip=True)
    ordering = forms.ChoiceField(required=False, choices=[(key, key) for key in ORDERINGS])

    def __init__(self, *args, lazy: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self._region_children = None
        self.fields["region"].known = self._known_regions
        self.fields["vertical"].known = lambda slugs: set(
            Vertical.objects.filter(slug__in=slugs).values_list("slug", flat=True)
        )
        self.fields["owner"].known = lambda ids: {
            str(pk) for pk in staff_users().filter(pk__in=[i for i in ids if i.isdigit()]).values_list("pk", flat=True)
        }
        if not lazy:
            self.fields["region"].choices = [(c, n) for c, n in Region.objects.values_list("code", "name")]
            self.fields["vertical"].choices = [(s, n) for s, n in Vertical.objects.values_list("slug", "name")]
            self.fields["owner"].choices = [(str(user.pk), staff_label(user)) for user in staff_users()]

    def _known_regions(self, codes) -> set[str]:
        self._region_children = region_children()
        return {code for children in self._region_children.values() for code in children}

    def filters(self) -> PartnerFilters:
        """The validated filters; call after is_valid()."""
        data = self.cleaned_data
        return PartnerFilters(
            type=tuple(data["type"]),
            status=tuple(data["status"]),
            region=tuple(data["region"]),
            region_expanded=(
                tuple(region_descendants(data["region"], self._region_children)) if self._region_children else None
            ),
            vertical=tuple(data["vertical"]),
            engagement=tuple(data["engagement"]),
            owner=tuple(int(pk) for pk in data["owner"]),
            created_after=data["created_after"],
            updated_after=data["updated_after"],
            search=data["search"],
            ordering=data["ordering"] or "name",
        )


class PartnerForm(forms.ModelForm):
    """Profile fields a manager edits; status changes have their own confirmation step."""

    country = LazyTypedChoiceField(choices=countries)
    regions = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    verticals = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    owner = forms.ModelChoiceField(queryset=None, required=False, empty_label="— nobody —")

    class Meta:
        model = Partner
        fields = [
            "name", "legal_name", "type", "engagement", "country", "website", "regions", "verticals", "owner",
            "description",
        ]  # fmt: skip
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["regions"].choices = [(r.code, f"{r.name} ({r.code})") for r in Region.objects.all()]
        self.fields["verticals"].choices = [(v.slug, v.name) for v in Vertical.objects.all()]
        self.fields["owner"].queryset = staff_users()
        self.fields["owner"].label_from_instance = staff_label


class PartnerStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Partner.Status.choices)
    reason = forms.CharField(required=False, max_length=200)

    def __init__(self, *args, partner: Partner, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = Partner.TRANSITIONS[partner.status]
        self.fields["status"].choices = [(value, label) for value, label in Partner.Status.choices if value in allowed]


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "email", "phone", "title", "role"]
