"""What the partner page shows of strategies: its open outcomes and its health trend.

partners.views.partner_pages imports this inside the view (partners never imports programs at
module level). Two queries, whatever the number of outcomes or scores.
"""

from __future__ import annotations

from programs.strategies.selectors import OutcomeFilters, health_trend, outcome_list

SHOWN_OUTCOMES = 10


def partner_panels(*, user, partner) -> dict:
    """The open outcomes (soonest due first, at most ten, and whether there are more) and the
    daily health scores of the last year, ready for Chart.js."""
    outcomes = list(outcome_list(user=user, filters=OutcomeFilters(partner=(partner.pk,)))[: SHOWN_OUTCOMES + 1])
    trend = health_trend(user=user, partner_id=partner.pk)
    return {
        "open_outcomes": outcomes[:SHOWN_OUTCOMES],
        "more_outcomes": len(outcomes) > SHOWN_OUTCOMES,
        "health_chart": {"labels": [day.isoformat() for day, _ in trend], "scores": [score for _, score in trend]},
    }
