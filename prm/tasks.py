"""Platform tasks: thin entry points over prm services, each named ``<service>_task`` and registered
under an explicit, stable name (``prm.<service>``), so moving code never orphans a queued message."""

from celery import shared_task

from prm.mail import email_deliver, emails_prune, emails_send, emails_sweep


@shared_task(name="prm.email_deliver")
def email_deliver_task(payload: dict) -> bool:
    """Deliver one serialised e-mail (prm.mail.email_serialize); safe to run twice (it is recorded
    as an OutgoingEmail row, marked sent in PostgreSQL). A failure waits for the e-mail sweep."""
    return email_deliver(payload=payload)


@shared_task(name="prm.emails_send")
def emails_send_task(keys: list[str]) -> int:
    """Send queued e-mails (prm.mail.emails_queue) after the commit that queued them; safe to run
    twice (a row is claimed before it is sent). Failures wait in PostgreSQL for the sweep."""
    return emails_send(keys=keys)


@shared_task(name="prm.emails_sweep")
def emails_sweep_task() -> int:
    """Every 30 seconds: send the e-mails that waited (broker down, worker killed, SMTP failing)."""
    return emails_sweep()


@shared_task(name="prm.emails_prune")
def emails_prune_task() -> int:
    """Nightly: forget e-mails finished (sent, suppressed, given up) past their retention."""
    return emails_prune()
