"""Platform tasks: thin entry points over prm services, each named ``<service>_task`` and registered
under an explicit, stable name (``prm.<service>``), so moving code never orphans a queued message."""

from smtplib import SMTPException

from celery import shared_task

from prm.mail import email_deliver


@shared_task(
    name="prm.email_deliver",
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=10,
)
def email_deliver_task(payload: dict) -> bool:
    """Deliver one serialised e-mail (prm.mail.email_serialize); safe to run twice."""
    return email_deliver(payload=payload)
