"""Forms: the partner filters (shared by the API and the pages) and the portal's edit forms."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField

from partners.models import Contact, Partner
from partners.reference import reference
from partners.selectors import ORDERINGS, PartnerFilters
from prm.querystring import QueryValueError, parse_ids, parse_int


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


class CommaSeparatedField(forms.Field):
    """Values read from a comma list (``?tier=gold,silver``); the form's ``clean_<name>`` says which
    are known."""

    widget = CommaSeparatedMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value) -> list[str]:
        return list(dict.fromkeys(value or ()))[:50]


# the programs app's models, reached through the reverse relation of Partner: partners never
# imports programs (import-linter), and a partner list filters by program and tier all the same
def membership_model():
    return Partner._meta.get_field("memberships").related_model


def _ids_by_value(model, values: list[str], name_field: str) -> dict[str, set[int]]:
    """Each value → the ids of ``model`` rows it names: a whole number is an id, anything else a
    ``name_field`` compared without case. One query."""
    ids, words = {}, {}
    for value in values:
        try:
            ids[value] = parse_int(value, maximum=2**31 - 1)
        except QueryValueError:
            words[value] = value.strip().lower()
    rows = (
        model.objects.annotate(_word=Lower(name_field))
        .filter(Q(pk__in=ids.values()) | Q(_word__in=words.values()))
        .values_list("pk", "_word")
    )
    found: dict[str, set[int]] = {value: set() for value in values}
    for pk, word in rows:
        for value, wanted in ids.items():
            if wanted == pk:
                found[value].add(pk)
        for value, wanted in words.items():
            if wanted == word:
                found[value].add(pk)
    return found


def _known_ids(model, values: list[str], name_field: str, noun: str) -> tuple[int, ...]:
    if not values:
        return ()
    found = _ids_by_value(model, values, name_field)
    unknown = [value for value, ids in found.items() if not ids]
    if unknown:
        raise forms.ValidationError(f"Unknown {noun}: {', '.join(unknown)}.", code="invalid_choice")
    return tuple(sorted(set().union(*found.values())))


def staff_users():
    return get_user_model().objects.filter(is_staff=True, is_active=True).order_by("first_name", "last_name", "email")


def staff_label(user) -> str:
    return user.get_full_name() or user.email


def _known_staff_ids(values) -> set[str]:
    """The values that are ids of active staff users (ids read by the shared query-string parser)."""
    try:
        ids = parse_ids(",".join(values))
    except QueryValueError:
        return set()
    return {str(pk) for pk in staff_users().filter(pk__in=ids).values_list("pk", flat=True)}


class PartnerFilterForm(forms.Form):
    """Validates the partner list filters of api.md; unknown values are errors, never ignored.

    Pages render the choices; the API passes ``lazy=True`` and only looks up the staff users
    of an owner filter. Regions and verticals come from partners.reference (cached).
    """

    type = CommaSeparatedChoiceField(
        noun="type", choices=Partner.Type.choices, help_text="One or a comma list of: " + ", ".join(Partner.Type.values)
    )
    status = CommaSeparatedChoiceField(
        noun="status",
        choices=Partner.Status.choices,
        help_text="One or a comma list of: " + ", ".join(Partner.Status.values),
    )
    region = CommaSeparatedChoiceField(
        noun="region", choices=(), help_text="Region code(s), comma separated; a region includes its sub-regions"
    )
    vertical = CommaSeparatedChoiceField(noun="vertical", choices=(), help_text="Vertical slug(s), comma separated")
    engagement = CommaSeparatedChoiceField(
        noun="engagement",
        choices=Partner.Engagement.choices,
        help_text="One or a comma list of: " + ", ".join(Partner.Engagement.values),
    )
    owner = CommaSeparatedChoiceField(noun="owner", choices=(), help_text="Owner user id(s), comma separated")
    program = CommaSeparatedField(help_text="Partners in the program: its id or slug, or a comma list of them")
    tier = CommaSeparatedField(
        help_text="Partners at the tier: its id or name (any case, such as gold, in every program), or a comma list"
    )
    created_after = forms.DateTimeField(required=False, help_text="Created at or after (ISO 8601)")
    updated_after = forms.DateTimeField(required=False, help_text="Changed at or after (ISO 8601)")
    search = forms.CharField(
        required=False,
        max_length=100,
        strip=True,
        help_text="Words of the name, legal name or website (a domain such as acme.com works), or a contact's name "
        "or e-mail",
    )
    external_id = forms.CharField(
        required=False,
        max_length=100,
        strip=True,
        help_text="The partner with this external_id (an integration's own id)",
    )
    ordering = forms.ChoiceField(
        required=False, choices=[(key, key) for key in ORDERINGS], help_text="Sort order; a leading - reverses it"
    )

    def __init__(self, *args, lazy: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].known = lambda codes: set(reference().regions)
        self.fields["vertical"].known = lambda slugs: set(reference().verticals)
        self.fields["owner"].known = _known_staff_ids
        self.program_choices: list[tuple[str, str]] = []
        self.tier_choices: list[tuple[str, str]] = []
        if not lazy:
            ref = reference()
            self.fields["region"].choices = list(ref.regions.items())
            self.fields["vertical"].choices = list(ref.verticals.items())
            self.fields["owner"].choices = [(str(user.pk), staff_label(user)) for user in staff_users()]
            # one query for both selects: a program without tiers has no members to filter by
            tier_model = membership_model()._meta.get_field("tier").related_model
            rows = tier_model.objects.order_by("program__name", "rank").values_list(
                "program_id", "program__name", "name"
            )
            programs, tiers = {}, {}
            for program_id, program_name, tier_name in rows:
                programs[str(program_id)] = program_name
                tiers.setdefault(tier_name.lower(), tier_name)
            self.program_choices = list(programs.items())
            self.tier_choices = sorted(tiers.items(), key=lambda item: item[1].lower())

    def clean_program(self) -> tuple[int, ...]:
        program = membership_model()._meta.get_field("program").related_model
        return _known_ids(program, self.cleaned_data["program"], "slug", "program")

    def clean_tier(self) -> tuple[int, ...]:
        tier = membership_model()._meta.get_field("tier").related_model
        return _known_ids(tier, self.cleaned_data["tier"], "name", "tier")

    def filters(self) -> PartnerFilters:
        """The validated filters; call after is_valid()."""
        data = self.cleaned_data
        return PartnerFilters(
            type=tuple(data["type"]),
            status=tuple(data["status"]),
            region=tuple(data["region"]),
            vertical=tuple(data["vertical"]),
            engagement=tuple(data["engagement"]),
            owner=tuple(int(pk) for pk in data["owner"]),
            program=data["program"],
            tier=data["tier"],
            created_after=data["created_after"],
            updated_after=data["updated_after"],
            search=data["search"],
            external_id=data["external_id"],
            ordering=data["ordering"] or "name",
        )


def https_urls(field, **kwargs):
    """ModelForm fields as usual, except that a bare domain typed in a URL field means https."""
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class BootstrapFormMixin:
    """Bootstrap classes on every widget, and ``is-invalid`` on each field that has an error,
    whether the form or a service found it (Django adds aria-invalid and aria-describedby).

    A service's ValidationError may name a field the form does not show (``status``); those
    messages become form-wide errors instead of a ValueError.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if widget.is_hidden:
                continue
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect | forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def add_error(self, field, error):
        if field is None and isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            shown: dict[str, list] = {}
            for name, errors in error.error_dict.items():
                shown.setdefault(name if name in self.fields else NON_FIELD_ERRORS, []).extend(errors)
            error = ValidationError(shown)
        super().add_error(field, error)
        for name in self._errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                if "is-invalid" not in attrs.get("class", ""):
                    attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()


class PartnerForm(BootstrapFormMixin, forms.ModelForm):
    """Profile fields a manager edits; status changes have their own confirmation step.

    ``expected_version`` carries the version the form was opened on, so saving over a
    change someone else made meanwhile is refused instead of silently undoing it.
    """

    country = LazyTypedChoiceField(choices=countries)
    slug = forms.SlugField(
        required=False,
        max_length=80,
        help_text="Used in links and the API. Leave empty to make it from the name.",
    )
    regions = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    verticals = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    owner = forms.ModelChoiceField(queryset=None, required=False, empty_label="— nobody —")
    expected_version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Partner
        fields = [
            "name", "legal_name", "slug", "type", "engagement", "country", "website", "regions", "verticals",
            "owner", "description",
        ]  # fmt: skip
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
        formfield_callback = https_urls
        labels = {"website": "Website", "legal_name": "Legal name"}
        help_texts = {"website": "For example https://example.com"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        ref = reference()
        self._region_parents = ref.parents
        self.fields["regions"].choices = [(code, f"{name} ({code})") for code, name in ref.regions.items()]
        self.fields["verticals"].choices = list(ref.verticals.items())
        self.fields["owner"].queryset = staff_users()
        self.fields["owner"].label_from_instance = staff_label
        self.fields["country"].choices = [("", "Choose a country…"), *countries]
        if self.instance.pk:
            self.fields["slug"].help_text = "Used in links and the API; changing it breaks links that use the old one."
            self.fields["expected_version"].initial = self.instance.version

    def region_groups(self) -> tuple[list, list[tuple[object, list[tuple[object, int]]]]]:
        """The region checkboxes as (roots, [(top region, [(sub-region, depth), …]), …]), for columns."""
        boxes = {box.data["value"]: box for box in self["regions"]}
        depth: dict[str, int] = {}

        def depth_of(code: str) -> int:
            if code not in depth:
                parent = self._region_parents.get(code)
                depth[code] = 0 if parent is None else depth_of(parent) + 1
            return depth[code]

        def top_of(code: str) -> str:
            while depth_of(code) > 1:
                code = self._region_parents[code]
            return code

        roots = [boxes[code] for code in boxes if depth_of(code) == 0]
        groups: dict[str, list] = {code: [] for code in boxes if depth_of(code) == 1}
        for code in boxes:
            if depth_of(code) > 1:
                groups[top_of(code)].append((boxes[code], depth_of(code) - 1))
        return roots, [(boxes[code], children) for code, children in groups.items()]

    def create_kwargs(self) -> dict:
        """The keyword arguments of partner_create; call after is_valid()."""
        data = {name: self.cleaned_data[name] for name in self._meta.fields}
        data["slug"] = data["slug"] or ""
        return data

    def changed_fields(self) -> dict:
        """Only what the user changed, for partner_update; an emptied slug keeps the current one."""
        changes = {name: self.cleaned_data[name] for name in self.changed_data if name in self._meta.fields}
        if not changes.get("slug", True):
            del changes["slug"]
        return changes


STATUS_HELP = {
    Partner.Status.PROSPECT: "Not a partner yet: being qualified.",
    Partner.Status.ONBOARDING: "Signed; contracts, training and set-up are under way.",
    Partner.Status.ACTIVE: "A working partnership.",
    Partner.Status.INACTIVE: "Quiet for a while; kept for re-engagement.",
    Partner.Status.TERMINATED: "The partnership ended; the partner and its history are kept.",
}


class PartnerStatusForm(BootstrapFormMixin, forms.Form):
    """The next status. Only those Partner.TRANSITIONS allows from the current one are offered;
    any status passes the form, so partner_change_status, which decides under a row lock,
    is the one that refuses an illegal move."""

    status = forms.ChoiceField(choices=Partner.Status.choices, widget=forms.RadioSelect, label="New status")
    reason = forms.CharField(
        required=False, max_length=200, label="Reason (optional)", help_text="Recorded on the partner's timeline."
    )
    expected_version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, partner: Partner, **kwargs):
        super().__init__(*args, **kwargs)
        self.partner = partner
        self.allowed = [value for value in Partner.Status.values if partner.can_move_to(value)]
        self.fields["expected_version"].initial = partner.version
        if len(self.allowed) == 1:
            self.fields["status"].initial = self.allowed[0]

    def status_options(self) -> list[tuple[object, str]]:
        """(radio button, explanation) for each status the partner may move to."""
        return [
            (radio, STATUS_HELP.get(radio.data["value"], ""))
            for radio in self["status"]
            if radio.data["value"] in self.allowed
        ]


class ContactForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "email", "phone", "title", "role"]
        labels = {"email": "E-mail", "title": "Job title"}
        widgets = {
            "email": forms.EmailInput(attrs={"autocomplete": "off"}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        }
