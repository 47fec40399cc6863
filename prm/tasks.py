"""Platform tasks: thin entry points over prm services."""

from smtplib import SMTPException

from celery import shared_task

from prm.mail import email_deliver


@shared_task(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=10,
)
def send_email(payload: dict) -> bool:
    """Deliver one serialised e-mail (prm.mail.email_serialize); safe to run twice."""
    return email_deliver(payload=payload)
