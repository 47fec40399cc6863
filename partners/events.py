"""Timeline rows, written by the services that change a partner."""

from django.utils import timezone

from partners.models import Activity, Partner


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
    return activity
