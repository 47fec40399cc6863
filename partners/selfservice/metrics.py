"""The figures reported for the organisation over the last twelve months, grouped by key."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from partners.records.selectors import metric_list
from partners.selfservice.access import partner_view


@partner_view
def metric_list_page(request: HttpRequest) -> HttpResponse:
    """One query: every figure of the last 365 days, newest period first within each key."""
    since = timezone.localdate() - timedelta(days=365)
    groups: dict[str, list] = {}
    for metric in metric_list(user=request.user, partner_ids=[request.partner.pk], since=since):
        metric.shown = f"{metric.value.normalize():f}"  # 4.5000 → 4.5, 100.0000 → 100 (not 1E+2)
        groups.setdefault(metric.key, []).append(metric)
    series = [
        {"key": key, "label": key.replace("_", " ").capitalize(), "values": values} for key, values in groups.items()
    ]
    return render(request, "partner/metrics.html", {"partner": request.partner, "series": series, "since": since})
