"""PartnerFacts for the rule tests: plain data, so these tests never touch the database."""

from datetime import date, timedelta

from programs.strategies.rules.base import (
    AgreementFact,
    DealFact,
    DocumentFact,
    LeadOfferFact,
    MetricFact,
    PartnerFacts,
)

TODAY = date(2025, 6, 30)


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def ahead(days: int) -> date:
    return TODAY + timedelta(days=days)


def facts(**overrides) -> PartnerFacts:
    """A healthy, collaborative, active DACH healthcare partner created long ago, unless overridden."""
    values = {
        "id": 7,
        "name": "Acme Health",
        "type": "channel",
        "status": "active",
        "engagement": "collaborative",
        "country": "DE",
        "regions": ("DACH", "EMEA", "GLOBAL"),
        "verticals": ("healthcare",),
        "owner_id": 3,
        "created_on": ago(1000),
        "onboarding_started_on": None,
        "last_activity_on": ago(10),
        "last_review_on": {},
        "agreements": (),
        "documents": (),
        "metrics": (),
        "today": TODAY,
    }
    values.update(overrides)
    return PartnerFacts(**values)


def agreement(id=1, kind="reseller", status="active", start_on=None, end_on=None) -> AgreementFact:
    return AgreementFact(id, kind, status, start_on or ago(700), end_on)


def document(id=1, kind="kyc", issued_on=None, expires_on=None) -> DocumentFact:
    return DocumentFact(id, kind, issued_on, expires_on)


def metric(key="sla_compliance_pct", value=99.0, end_days_ago=5, length=30) -> MetricFact:
    return MetricFact(key, ago(end_days_ago + length), ago(end_days_ago), value)


def deal(
    id=1, state="submitted", registered_days_ago=30, closed_days_ago=None, amount=None, currency="USD"
) -> DealFact:
    closed_on = ago(closed_days_ago) if closed_days_ago is not None else None
    return DealFact(id, state, ago(registered_days_ago), closed_on, amount, currency)


def offer(lead_id=1, outcome="accepted", offered_days_ago=10) -> LeadOfferFact:
    return LeadOfferFact(lead_id, ago(offered_days_ago), outcome)
