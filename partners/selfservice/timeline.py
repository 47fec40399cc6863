"""The organisation's timeline, 50 entries at a time."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from partners import selectors
from partners.selfservice.access import partner_view
from partners.views.access import _partial_wanted
from partners.views.partner_pages import ACTIVITY_ICONS, TIMELINE_PAGE_SIZE
from prm.querystring import int_or_default


@partner_view
def timeline(request: HttpRequest) -> HttpResponse:
    """Newest first; one row more than shown tells whether there is more, without a COUNT.
    htmx asks for the next 50 as a fragment ("Show older entries")."""
    page = int_or_default(request.GET.get("timeline_page"), 1)
    offset = (page - 1) * TIMELINE_PAGE_SIZE
    rows = selectors.partner_timeline(user=request.user, partner_id=request.partner.pk)
    activities = list(rows[offset : offset + TIMELINE_PAGE_SIZE + 1])
    for activity in activities:
        activity.icon = ACTIVITY_ICONS.get(activity.kind, "dot")
    context = {
        "partner": request.partner,
        "timeline": {
            "activities": activities[:TIMELINE_PAGE_SIZE],
            "page": page,
            "has_more": len(activities) > TIMELINE_PAGE_SIZE,
            "has_newer": page > 1,
        },
    }
    if _partial_wanted(request) and "timeline_page" in request.GET:
        response = render(request, "partials/_timeline_items.html", context)
    else:
        response = render(request, "partner/timeline.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response
