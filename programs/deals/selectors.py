"""Reads of deal registrations; every one starts from what the caller may see."""

from __future__ import annotations

from django.db.models import QuerySet

from partners.models import Partner
from programs.deals.models import Deal


def deal_list(*, user) -> QuerySet[Deal]:
    """Staff read every deal (with its conflicts); a partner's login its own organisation's; anyone
    else none. Newest first."""
    deals = Deal.objects.order_by("-created_at", "-id")
    if not (user.is_authenticated and user.is_active):
        return deals.none()
    if user.is_staff:
        return deals.select_related("partner").prefetch_related("conflicts")
    return deals.filter(partner__in=Partner.objects.visible_to(user)).select_related("partner")
