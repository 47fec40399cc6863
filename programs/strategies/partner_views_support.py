"""Reads of strategy outcomes for the partner self-service portal (partners.portal imports this
lazily: ``programs`` builds on ``partners``, never the reverse at import time)."""

from __future__ import annotations

from django.db.models import QuerySet

from programs.strategies.models import Outcome
from programs.strategies.selectors import OutcomeFilters, outcome_list


def partner_open_requests(*, user, partner_id: int) -> QuerySet[Outcome]:
    """Open outcomes addressed to the partner itself ("what we need from you"), soonest due first;
    empty for a partner the user may not see. outcome_list already limits a partner's login to
    these; the audience filter keeps the answer the same when staff ask what the partner sees."""
    filters = OutcomeFilters(partner=(partner_id,), state=(Outcome.State.OPEN,), audience=(Outcome.Audience.PARTNER,))
    return outcome_list(user=user, filters=filters)
