"""The e-mails notifications send: one per notification (immediately) or one digest a day.

Each is HTML and plain text from templates, with an absolute link to the object, a link to the
preferences page and the RFC 8058 one-click unsubscribe headers for its category.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from partners.notifications.unsubscribe import unsubscribe_url

SUBJECT_PREFIX = "[OpenPRM] "
# the unsubscribe "category" of a digest e-mail: every category the user gets by digest
DIGEST = "digest"


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path if path else ""


def preferences_url(*, is_staff: bool) -> str:
    return absolute(reverse("notification-preferences" if is_staff else "selfservice:notification-preferences"))


def _message(*, to: str, subject: str, template: str, context: dict, category: str, user_id: int):
    unsubscribe = unsubscribe_url(user_id=user_id, category=category)
    context = {**context, "unsubscribe_url": unsubscribe, "site_url": settings.SITE_URL.rstrip("/")}
    message = EmailMultiAlternatives(
        subject=SUBJECT_PREFIX + subject,
        body=render_to_string(f"notifications/email/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(render_to_string(f"notifications/email/{template}.html", context), "text/html")
    return message


def notification_email(
    *, to: str, name: str, user_id: int, is_staff: bool, category, title: str, body: str, link: str
) -> EmailMultiAlternatives:
    """One notification, sent as it happens."""
    context = {
        "name": name,
        "title": title,
        "body": body,
        "link": absolute(link),
        "category": category,
        "preferences_url": preferences_url(is_staff=is_staff),
    }
    return _message(
        to=to, subject=title, template="notification", context=context, category=category.code, user_id=user_id
    )


def digest_email(*, to: str, name: str, user_id: int, is_staff: bool, groups: list, count: int, local_date):
    """The day's digest: ``groups`` is a list of (category, the notifications shown, how many it
    has in all). Its unsubscribe link names the digest itself (``DIGEST``): one click turns off
    every category delivered by digest."""
    context = {
        "name": name,
        "groups": [
            (category, [(n, absolute(n.link)) for n in shown], total - len(shown)) for category, shown, total in groups
        ],
        "notifications_url": absolute(reverse("notifications" if is_staff else "selfservice:notifications")),
        "count": count,
        "local_date": local_date,
        "preferences_url": preferences_url(is_staff=is_staff),
    }
    subject = f"Your daily digest: {count} notification{'s' if count != 1 else ''}"
    return _message(to=to, subject=subject, template="digest", context=context, category=DIGEST, user_id=user_id)
