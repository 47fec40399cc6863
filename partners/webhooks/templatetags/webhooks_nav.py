"""The navbar's warning for administrators: how many webhook subscriptions are paused."""

import logging

from django import template
from django.db import DatabaseError

from partners.webhooks.selectors import subscriptions_paused

logger = logging.getLogger(__name__)
register = template.Library()


@register.simple_tag
def paused_webhook_count(user) -> int:
    """One COUNT, asked only by the manager portal's navbar for administrators; an error page
    rendered while the database is failing shows no badge rather than failing again."""
    try:
        return subscriptions_paused(user=user).count()
    except DatabaseError:
        logger.warning("paused webhooks not counted for the navbar", exc_info=True)
        return 0
