"""Record an event and fan it out as the dispatcher would, without a broker."""

from partners.outbox.services import event_record, outbox_dispatch


def record(type="partner.updated", *, partner_id=None, object_id=1, object_type=None, data=None):
    event = event_record(
        type=type,
        object_type=object_type or type.split(".")[0],
        object_id=object_id,
        partner_id=partner_id,
        data={"id": object_id, "partner": partner_id, **(data or {})},
    )
    outbox_dispatch()
    return event
