"""The partner portal's home: the organisation at a glance and what is asked of it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from partners import selectors
from partners.selfservice import selectors as portal_selectors
from partners.selfservice.access import can_write, partner_view


@partner_view
def home(request: HttpRequest) -> HttpResponse:
    """Company, status, manager contact, open requests, documents to renew and counts (six queries)."""
    # programs builds on partners, never the reverse at import time
    from programs.strategies.partner_views_support import partner_open_requests

    partner, user = request.partner, request.user
    today = timezone.localdate()
    documents = list(portal_selectors.documents_needing_attention(user=user, partner_id=partner.pk, today=today))
    for document in documents:
        document.expiry = portal_selectors.expiry_state(document, today)
    context = {
        "partner": partner,
        "requests": list(partner_open_requests(user=user, partner_id=partner.pk)[:20]),
        "documents": documents,
        "contact_count": selectors.contact_list(user=user, partner_ids=[partner.pk]).count(),
        "user_count": portal_selectors.partner_user_count(user=user, partner_id=partner.pk),
        "can_write": can_write(request),
        "today": today,
    }
    return render(request, "partner/home.html", context)
