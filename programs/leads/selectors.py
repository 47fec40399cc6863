"""Reads of leads; every one starts from what the caller may see."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from partners.querysets import partner_id_of
from programs.leads.models import Lead, LeadRouting


def lead_list(*, user) -> QuerySet[Lead]:
    """Staff read every lead with its routing decisions; a partner's login only the leads offered
    to its organisation now or accepted by it (a lead re-routed away or declined is gone for
    it); anyone else none. Newest first."""
    leads = Lead.objects.order_by("-created_at", "-id")
    if not (user.is_authenticated and user.is_active):
        return leads.none()
    if user.is_staff:
        return leads.prefetch_related(Prefetch("routings", queryset=LeadRouting.objects.order_by("created_at", "id")))
    partner_id = partner_id_of(user)
    if partner_id is None:
        return leads.none()
    return leads.filter(partner_id=partner_id, status__in=Lead.PARTNER_STATUSES).exclude(partner__status="terminated")
