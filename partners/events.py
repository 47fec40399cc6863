"""Timeline rows, written by the services that change a partner."""

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from partners.models import Activity, Partner

# sent after the transaction that changed a partner commits, with ``partner_id``; programs
# listens to re-evaluate the partner (partners never import programs)
partner_changed = Signal()


def timeline_record(
    *, partner: Partner, actor, kind: str, message: str, data: dict | None = None, counts_as_activity: bool = True
) -> Activity:
    """Append to the partner's timeline and, unless it is routine data such as a metric an
    integration reports, mark the partner as recently active (what the inactivity rules read)."""
    now = timezone.now()
    activity = Activity.objects.create(
        partner=partner,
        actor=actor if actor and actor.is_authenticated else None,
        kind=kind,
        message=message,
        data=data or {},
        created_at=now,
    )
    if counts_as_activity:
        Partner.objects.filter(pk=partner.pk).update(last_activity_at=now)
        partner.last_activity_at = now
    partner_id = partner.pk
    transaction.on_commit(lambda: partner_changed.send(sender=Partner, partner_id=partner_id))
    return activity
