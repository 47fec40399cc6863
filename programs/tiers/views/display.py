"""A tier's requirements and benefits in words, shared by the manager's and the partner's pages."""

from __future__ import annotations

from decimal import Decimal

from partners.models import Partner


def money(amount, currency: str) -> str:
    return f"{currency} {Decimal(amount or 0):,.0f}"


def _people(count: int) -> str:
    return "1 person" if count == 1 else f"{count} people"


def requirements_in_words(tier, currency: str) -> list[str]:
    """What it takes to hold ``tier`` (a Tier or a TierFact), one sentence per requirement."""
    words = []
    if tier.min_revenue is not None:
        words.append(f"{money(tier.min_revenue, currency)} of partner-sourced revenue won over 12 months")
    if tier.min_won_deals is not None:
        words.append(f"{tier.min_won_deals} won deal{'s' if tier.min_won_deals != 1 else ''} over 12 months")
    for vertical, count in sorted((tier.min_certified or {}).items()):
        words.append(f"{_people(count)} certified in {vertical}")
    if tier.requires_agreement:
        words.append("a signed agreement in force")
    if tier.min_health_score is not None:
        words.append(f"a health score of at least {tier.min_health_score}")
    return words


def benefits_in_words(tier, currency: str) -> list[str]:
    """What ``tier`` gives, one sentence per benefit."""
    words = [f"{Decimal(tier.discount_percent or 0).normalize():f} % discount"]
    if tier.mdf_per_quarter:
        words.append(f"{money(tier.mdf_per_quarter, currency)} of market development funds per quarter")
    if tier.deal_protection_days:
        words.append(f"deal registrations protected for {tier.deal_protection_days} days")
    else:
        words.append("deal protection of the partner type")
    if tier.lead_weight:
        words.append(f"lead routing weight {tier.lead_weight}")
    return words


def partner_types_in_words(types) -> str:
    labels = dict(Partner.Type.choices)
    return ", ".join(str(labels.get(value, value)) for value in types)


STATE_BADGES = {"ok": "text-bg-success", "grace": "text-bg-warning", "proposed_downgrade": "text-bg-danger"}
