"""What the partner pages show of strategies, registered with partners.panels by programs' AppConfig
(partners never imports programs): on the manager's partner page its open outcomes and health
trend, on the partner's self-service home what is asked of the partner."""

from __future__ import annotations

from programs.strategies.selectors import OutcomeFilters, health_trend, outcome_list, partner_open_requests

SHOWN_OUTCOMES = 10
SHOWN_REQUESTS = 20


def partner_page_panel(*, user, partner) -> dict:
    """The open outcomes (soonest due first, at most ten, and whether there are more) and the
    daily health scores of the last year, ready for Chart.js. Two queries, whatever their number."""
    outcomes = list(outcome_list(user=user, filters=OutcomeFilters(partner=(partner.pk,)))[: SHOWN_OUTCOMES + 1])
    trend = health_trend(user=user, partner_id=partner.pk)
    return {
        "open_outcomes": outcomes[:SHOWN_OUTCOMES],
        "more_outcomes": len(outcomes) > SHOWN_OUTCOMES,
        "health_chart": {"labels": [day.isoformat() for day, _ in trend], "scores": [score for _, score in trend]},
    }


def partner_home_panel(*, user, partner) -> dict:
    """The open requests addressed to the partner, soonest due first (at most twenty): one query."""
    return {"requests": list(partner_open_requests(user=user, partner_id=partner.pk)[:SHOWN_REQUESTS])}
