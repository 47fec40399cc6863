"""The pipeline panel of the manager dashboard, registered with partners.panels by programs'
AppConfig (partners never imports programs)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from prm.formats import short_date
from programs.deals.models import Deal
from programs.deals.selectors import pipeline_summary
from programs.deals.views.display import STATE_BADGES, STATE_LABELS, money


def _deals_url(**params) -> str:
    return f"{reverse('deal-list')}?{urlencode(params)}" if params else reverse("deal-list")


def pipeline_panel(*, user) -> dict:
    """Open pipeline by currency, deals by status, approvals waiting and won this quarter, each
    figure a link to the deals behind it; nothing for a login that is not staff. Three queries."""
    if not user.is_staff:
        return {}
    summary = pipeline_summary(user=user)
    quarter = f"since {short_date(summary.quarter_start)}"
    return {
        "template": "deals/portal/_dashboard_pipeline.html",
        "pipeline": summary,
        "open_rows": [
            {"amount": money(total, currency), "count": count} for currency, total, count in summary.open_by_currency
        ],
        "won_rows": [
            {"amount": money(total, currency), "count": count} for currency, total, count in summary.won_by_currency
        ],
        "status_rows": [
            {
                "label": STATE_LABELS[state],
                "badge": STATE_BADGES[state],
                "count": summary.by_status.get(state, 0),
                "url": _deals_url(status=state),
            }
            for state in Deal.State.values
        ],
        "quarter": quarter,
        "queue_url": reverse("deal-queue"),
        "open_url": _deals_url(status="submitted,approved"),
        "won_url": _deals_url(status="won"),
    }
