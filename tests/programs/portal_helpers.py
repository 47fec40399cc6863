"""Shared givens of the strategy portal tests."""

from datetime import timedelta

from django.utils import timezone

from programs.strategies.models import Outcome, Strategy
from programs.strategies.services import strategy_publish
from tests.partners.factories import PartnerFactory

INACTIVITY = [{"kind": "inactivity", "params": {"days": 30}, "scope": {}}]


def business_strategy(actor) -> Strategy:
    """The business strategy reduced to one easy rule (the version after the seeded ones)."""
    strategy = Strategy.objects.get(partner_type="business")
    strategy_publish(strategy_id=strategy.pk, actor=actor, rules=INACTIVITY, note="inactivity only")
    strategy.refresh_from_db()
    return strategy


def quiet_partners(count: int, **fields):
    defaults = {"type": "business", "status": "active", "last_activity_at": timezone.now() - timedelta(days=90)}
    return PartnerFactory.create_batch(count, **{**defaults, **fields})


def outcome(partner, *, strategy=None, **fields) -> Outcome:
    strategy = strategy or Strategy.objects.get(partner_type="business")
    defaults = {
        "strategy": strategy, "version": strategy.current_version, "rule_kind": "inactivity", "kind": "task",
        "title": f"Re-engage {partner.name}", "explanation": "Quiet for 130 days (threshold 120).",
        "dedupe_key": f"k{partner.pk}-{fields.get('kind', 'task')}",
    }  # fmt: skip
    return Outcome.objects.create(partner=partner, **{**defaults, **fields})
