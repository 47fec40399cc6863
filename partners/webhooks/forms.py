"""Forms of the webhook pages: a subscription (URL, description, event types, active) and the
"redeliver since" time. Their shape only: the services check the URL (SSRF guard) and the names."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils import timezone

from partners.forms import BootstrapFormMixin
from partners.webhooks.selectors import webhook_event_types
from partners.webhooks.ssrf import UrlRefused, url_check

EVERY_EVENT = "*"


def url_help() -> str:
    """What the endpoint must be, as this installation's settings say."""
    allowed = [
        what
        for what, on in (
            ("plain http", settings.WEBHOOK_ALLOW_HTTP),
            ("private addresses", settings.WEBHOOK_ALLOW_PRIVATE_TARGETS),
        )
        if on
    ]
    text = "Events are POSTed here, signed (Standard Webhooks). It must be https on a public address"
    if allowed:
        return f"{text}; development settings here also allow {' and '.join(allowed)} (cloud metadata never)."
    return f"{text}: loopback, private and link-local addresses are refused."


class SubscriptionForm(BootstrapFormMixin, forms.Form):
    """The event types are those ``actor`` may subscribe to, grouped by object, each group led by
    its wildcard (``partner.*``: every partner event, those added later included)."""

    url = forms.CharField(
        max_length=2000,
        label="Endpoint URL",
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/webhooks/openprm", "spellcheck": "false"}),
    )
    description = forms.CharField(
        max_length=200, required=False, label="Description", help_text="What it feeds, e.g. “CRM sync”."
    )
    event_types = forms.MultipleChoiceField(
        label="Events",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event."},
    )
    is_active = forms.BooleanField(
        required=False,
        initial=True,
        label="Active",
        help_text="An inactive subscription receives nothing until it is made active again.",
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["url"].help_text = url_help()
        self.types = webhook_event_types(user=actor)
        objects = sorted({name.split(".", 1)[0] for name in self.types})
        choices = [(EVERY_EVENT, "Every event")]
        for obj in objects:
            choices.append((f"{obj}.*", f"Every {obj} event"))
            choices += [(name, name) for name in self.types if name.split(".", 1)[0] == obj]
        # a saved pattern the registry no longer knows stays visible, so saving does not drop it silently
        for value in self.initial.get("event_types", []):
            if value not in dict(choices):
                choices.append((value, value))
        self.fields["event_types"].choices = choices

    def clean_url(self) -> str:
        """The address guard's answer next to the field even when other fields fail too (the
        service checks again when it saves)."""
        url = self.cleaned_data["url"].strip()
        try:
            url_check(url)
        except UrlRefused as exc:
            raise forms.ValidationError(f"The URL {exc.message}") from None
        return url

    def event_groups(self) -> list[dict]:
        """The checkboxes as ``[{"object", "wildcard", "types": [(box, description)]}]`` after the
        "every event" box (``every``), for the template's columns."""
        boxes = {box.data["value"]: box for box in self["event_types"]}
        groups = []
        for obj in sorted({name.split(".", 1)[0] for name in self.types}):
            names = [name for name in self.types if name.split(".", 1)[0] == obj]
            groups.append(
                {
                    "object": obj,
                    "wildcard": boxes[f"{obj}.*"],
                    "types": [(boxes[name], self.types[name]) for name in names],
                }
            )
        return groups

    def every_box(self):
        return next(box for box in self["event_types"] if box.data["value"] == EVERY_EVENT)

    def unknown_boxes(self) -> list:
        known = {EVERY_EVENT, *self.types, *(f"{name.split('.', 1)[0]}.*" for name in self.types)}
        return [box for box in self["event_types"] if box.data["value"] not in known]


class RedeliverSinceForm(BootstrapFormMixin, forms.Form):
    """A time read in the site's time zone, which the help text names."""

    since = forms.DateTimeField(
        label="Events since",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Every delivery of an event recorded at or after this time is sent again.",
        error_messages={"required": "Give a date and time.", "invalid": "Give a date and time, e.g. 2026-12-01 09:00."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        zone = timezone.get_current_timezone_name()
        self.fields["since"].help_text = f"{self.fields['since'].help_text} Time zone: {zone}."
