"""The pipeline panel of the manager dashboard, registered with partners.panels by programs'
AppConfig (partners never imports programs)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from prm.formats import short_date
from programs.deals.models import Deal
from programs.deals.selectors import pipeline_summary
from programs.deals.views.display import STATE_BADGES, STATE_LABELS, money
from programs.leads.selectors import partner_lead_figures


def _deals_list_url(**params) -> str:
    return f"{reverse('deal-list')}?{urlencode(params)}" if params else reverse("deal-list")


def pipeline_panel(*, user, partner=None) -> dict:
    """Open pipeline by currency, deals by status, approvals waiting and won this quarter, each
    figure a link to the deals behind it, of every partner or of ``partner``; nothing for a login
    that is not staff. Three queries."""
    if not user.is_staff:
        return {}
    scope = {"partner": partner.pk} if partner is not None else {}

    def _deals_url(**params) -> str:
        return _deals_list_url(**scope, **params)

    summary = pipeline_summary(user=user, partner_id=partner.pk if partner is not None else None)
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
        "title": "Deals and leads" if partner is not None else "Deal pipeline",
        "all_url": _deals_url(),
        "queue_url": _deals_url(status="submitted") if partner is not None else reverse("deal-queue"),
        "open_url": _deals_url(status="submitted,approved"),
        "won_url": _deals_url(status="won"),
    }


def partner_pipeline_panel(*, user, partner) -> dict:
    """The partner page's deals (pipeline_panel for this partner) and how it answers leads: offers
    waiting now, and of the last 90 days accepted, declined and let lapse. Four queries."""
    panel = pipeline_panel(user=user, partner=partner)
    if not panel:
        return {}
    panel["leads"] = partner_lead_figures(user=user, partner_id=partner.pk)
    panel["leads_url"] = f"{reverse('lead-list')}?{urlencode({'partner': partner.pk})}"
    return {"partner_pipeline": panel}
