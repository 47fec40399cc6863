"""Leads created through the service, and partners that take them."""

from programs.leads.services import lead_create
from tests.partners.factories import PartnerFactory


def lead_partner(**fields):
    """An active channel partner in DACH serving healthcare (what the default rules route a German
    healthcare lead to)."""
    return PartnerFactory(**{"type": "channel", "status": "active", "regions": ["DACH"], **fields})


def new_lead(actor=None, **fields):
    values = {"company": "Helix Clinics", "country": "DE", "vertical": "healthcare", "source": "web"}
    values.update(fields)
    return lead_create(actor=actor, **values)
