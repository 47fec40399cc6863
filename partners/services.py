"""Writes for logins and API tokens."""

from __future__ import annotations

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction

from partners.models import ApiToken
from partners.roles import Role, role_group

User = get_user_model()


@transaction.atomic
def staff_user_ensure(*, email: str, name: str, role: str, password: str) -> tuple[User, bool]:
    """Create a staff login with a verified e-mail and a role, unless the e-mail exists.

    Returns the user and whether it was created; an existing user is left untouched so
    that a password changed since is kept.
    """
    if role not in Role.STAFF:
        raise ValueError(f"unknown staff role {role!r}")
    email = email.strip().lower()
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        return existing, False
    first_name, _, last_name = name.partition(" ")
    user = User.objects.create_user(
        username=email,
        email=email,
        password=password,
        first_name=first_name,
        last_name=last_name,
        is_staff=True,
        is_superuser=role == Role.ADMIN,
    )
    if role != Role.ADMIN:
        user.groups.add(role_group(role))
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user, True


def api_token_create(*, user: User, name: str = "", expires_days: int | None = None) -> tuple[ApiToken, str]:
    """Issue a token; the key is returned once and only its hash is stored."""
    expiry = timedelta(days=expires_days) if expires_days else None
    token, key = ApiToken.objects.create(user=user, expiry=expiry)
    if name:
        token.name = name
        token.save(update_fields=["name"])
    return token, key


def api_token_revoke(*, token: ApiToken) -> None:
    """Revoke at once: the hash is deleted, so the key stops working on the next request."""
    token.delete()
