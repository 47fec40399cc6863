"""The partner portal's home: the organisation at a glance and what is asked of it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from partners import selectors
from partners.panels import partner_home_panels
from partners.selfservice import selectors as portal_selectors
from partners.selfservice.access import can_write, partner_view


@partner_view
def home(request: HttpRequest) -> HttpResponse:
    """Company, status, manager contact, open requests, documents to renew and counts (six queries)."""
    partner, user = request.partner, request.user
    today = timezone.localdate()
    documents = list(portal_selectors.documents_needing_attention(user=user, partner_id=partner.pk, today=today))
    for document in documents:
        document.expiry = portal_selectors.expiry_state(document, today)
    context = {
        "partner": partner,
        "documents": documents,
        "contact_count": selectors.contact_list(user=user, partner_ids=[partner.pk]).count(),
        "user_count": portal_selectors.partner_user_count(user=user, partner_id=partner.pk),
        "can_write": can_write(request),
        "today": today,
        **partner_home_panels(user=user, partner=partner),  # what other apps add, e.g. open requests
    }
    return render(request, "partner/home.html", context)
