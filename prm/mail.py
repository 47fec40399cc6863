"""E-mail leaves the request: messages are serialised and sent by a Celery worker.

A slow or failing SMTP server then never blocks a log-in or a password reset, and a
transient failure is retried with back-off instead of losing the message.
"""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.message import make_msgid

SENT_MARK_SECONDS = 7 * 24 * 3600


def email_serialize(message: EmailMessage) -> dict:
    """Plain JSON for the broker; the Message-ID is fixed now so a re-send is recognisable."""
    message_id = message.extra_headers.get("Message-ID") or make_msgid(domain="openprm")
    return {
        "key": uuid.uuid4().hex,
        "subject": message.subject,
        "body": message.body,
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": {**message.extra_headers, "Message-ID": message_id},
        "alternatives": [[content, mimetype] for content, mimetype in getattr(message, "alternatives", [])],
    }


def email_deliver(*, payload: dict) -> bool:
    """Send a serialised message once; returns False when it was already sent.

    Delivery is at least once: the sent mark is written after the SMTP server accepted
    the message, so a worker lost in between may send it again with the same Message-ID.
    """
    mark = f"email-sent:{payload['key']}"
    if cache.get(mark):
        return False
    message = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["body"],
        from_email=payload["from_email"],
        to=payload["to"],
        cc=payload["cc"],
        bcc=payload["bcc"],
        reply_to=payload["reply_to"],
        headers=payload["headers"],
        connection=get_connection(),
    )
    for content, mimetype in payload["alternatives"]:
        message.attach_alternative(content, mimetype)
    message.send()
    cache.set(mark, 1, SENT_MARK_SECONDS)
    return True
