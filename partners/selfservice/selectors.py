"""Reads the partner portal adds to partners.selectors; each starts from ``visible_to(user)``."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import QuerySet

from partners.models import Partner, PartnerUser
from partners.records.models import PartnerDocument
from partners.records.selectors import document_list

EXPIRY_WARNING_DAYS = 60


def partner_user_count(*, user, partner_id: int) -> int:
    """How many logins the partner has; 0 for a partner the user may not see."""
    return PartnerUser.objects.filter(partner__in=Partner.objects.visible_to(user), partner_id=partner_id).count()


def documents_needing_attention(*, user, partner_id: int, today: date) -> QuerySet[PartnerDocument]:
    """Current documents expired or expiring within EXPIRY_WARNING_DAYS days, soonest first; a
    replaced one needs nothing any more."""
    limit = today + timedelta(days=EXPIRY_WARNING_DAYS)
    return (
        document_list(user=user, partner_ids=[partner_id], current_only=True)
        .filter(expires_on__isnull=False, expires_on__lte=limit)
        .order_by("expires_on", "id")
    )


def expiry_state(document: PartnerDocument, today: date) -> str:
    """'expired', 'expiring' (within EXPIRY_WARNING_DAYS days), 'valid' or 'none' (no expiry date)."""
    if document.expires_on is None:
        return "none"
    if document.expires_on < today:
        return "expired"
    if document.expires_on <= today + timedelta(days=EXPIRY_WARNING_DAYS):
        return "expiring"
    return "valid"
