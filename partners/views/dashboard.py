"""The dashboard: partner counts by type, status and region."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from partners import selectors
from partners.models import Partner
from partners.panels import dashboard_panels
from partners.roles import role_of
from partners.views.access import (
    WRITER_ROLES,
    portal_view,
)


def _list_url(**params) -> str:
    return f"{reverse('partner-list')}?{urlencode(params)}" if params else reverse("partner-list")


def _region_groups(by_region: dict[str, int]) -> list[dict]:
    """Top-level regions (AMER, EMEA, APAC) with their sub-regions, each with its count and link."""
    children = selectors.region_tree()
    roots = children.get(None, [])
    # one world root (GLOBAL) above the continents: show the continents
    tops = children.get(roots[0][0], []) if len(roots) == 1 else roots

    def node(code: str, name: str) -> dict:
        return {"code": code, "name": name, "count": by_region.get(code, 0), "url": _list_url(region=code)}

    return [{**node(code, name), "children": [node(*child) for child in children.get(code, [])]} for code, name in tops]


@portal_view
def dashboard(request: HttpRequest) -> HttpResponse:
    """Counts by type, status and region (one grouped query), each number a link to the list."""
    summary = selectors.partner_summary(user=request.user)
    by_type = [
        {"value": value, "label": label, "count": summary.by_type.get(value, 0), "url": _list_url(type=value)}
        for value, label in Partner.Type.choices
    ]
    by_status = [
        {
            "value": value,
            "label": label,
            "count": summary.by_status.get(value, 0),
            "share": round(100 * summary.by_status.get(value, 0) / (summary.total or 1)),
            "url": _list_url(status=value),
        }
        for value, label in Partner.Status.choices
    ]
    kpis = [
        {"label": "Partners", "count": summary.total, "url": _list_url(), "icon": "diagram-3"},
        *(
            {
                "label": label,
                "count": summary.by_status.get(status, 0),
                "url": _list_url(status=status),
                "icon": icon,
                "status": status,
            }
            for status, label, icon in (
                (Partner.Status.ACTIVE, "Active", "check-circle"),
                (Partner.Status.ONBOARDING, "Onboarding", "hourglass-split"),
                (Partner.Status.PROSPECT, "Prospects", "binoculars"),
            )
        ),
    ]
    region_groups = _region_groups(summary.by_region) if summary.total else []
    # each continent followed by its sub-regions; the chart draws continents darker
    region_rows = [(row, row is group) for group in region_groups for row in (group, *group["children"])]
    chart = {
        "types": {
            "labels": [row["label"] for row in by_type],
            "counts": [row["count"] for row in by_type],
            "urls": [row["url"] for row in by_type],
        },
        "regions": {
            "labels": [row["name"] for row, _ in region_rows],
            "codes": [row["code"] for row, _ in region_rows],
            "counts": [row["count"] for row, _ in region_rows],
            "urls": [row["url"] for row, _ in region_rows],
            "top": [top for _, top in region_rows],
        },
    }
    role = role_of(request.user)
    return render(
        request,
        "portal/dashboard.html",
        {
            "role": role,
            "can_write": role in WRITER_ROLES,
            "summary": summary,
            "kpis": kpis,
            "by_type": by_type,
            "by_status": by_status,
            "region_groups": region_groups,
            "chart": chart,
            "panels": dashboard_panels(user=request.user),
        },
    )
