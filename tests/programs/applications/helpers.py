"""A valid application as the public form posts it, and as the service takes it."""

from __future__ import annotations

from programs.applications.services import application_submit

FORM = {
    "company": "Helix Health Systems GmbH",
    "website": "https://www.helix-health.example",
    "country": "DE",
    "requested_type": "channel",
    "verticals": ["healthcare", "life-sciences"],
    "regions": ["DACH"],
    "contact_name": "Jana Weber",
    "contact_email": "jana@helix-health.example",
    "contact_phone": "+49 30 1234567",
    "message": "We run 40 hospital IT projects a year.",
    "consent": "on",
}


def submit(**changes):
    """An application through the service, as the public page would send it."""
    values = {key: value for key, value in {**FORM, **changes}.items() if key != "consent"}
    return application_submit(**values)
