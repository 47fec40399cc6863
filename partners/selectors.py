"""Reads shaped for pages and endpoints."""

from django.db.models import QuerySet

from partners.models import ApiToken


def api_token_list(*, user) -> QuerySet[ApiToken]:
    """The caller's own tokens, newest first; nobody lists another user's tokens here."""
    return ApiToken.objects.filter(user=user).order_by("-created", "-pk")
