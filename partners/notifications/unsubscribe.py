"""Signed one-click unsubscribe links (RFC 8058): a token names a login and a category.

The token is signed with the site's secret under its own salt, so it cannot be forged, altered or
reused as another kind of signed value; it does not expire, as the e-mails carrying it are kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "partners.notifications.unsubscribe"


@dataclass(frozen=True)
class UnsubscribeToken:
    user_id: int
    category: str


def unsubscribe_token(*, user_id: int, category: str) -> str:
    return signing.dumps({"u": user_id, "c": category}, salt=SALT, compress=True)


def unsubscribe_url(*, user_id: int, category: str) -> str:
    """The absolute link (settings.SITE_URL: a request's host is the client's to choose)."""
    token = unsubscribe_token(user_id=user_id, category=category)
    return settings.SITE_URL.rstrip("/") + reverse("notification-unsubscribe", args=[token])


def unsubscribe_token_read(token: str) -> UnsubscribeToken | None:
    """The login and category a token names, or None for a token that was altered or forged."""
    try:
        value = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("u"), int) or not isinstance(value.get("c"), str):
        return None
    return UnsubscribeToken(user_id=value["u"], category=value["c"])
