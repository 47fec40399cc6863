"""API authentication; kept apart from prm.api because DRF imports it while loading its views."""

from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework import exceptions


class TokenAuthentication(KnoxTokenAuthentication):
    """Knox tokens (hashed at rest, expiring, revocable) sent as ``Token <key>`` or ``Bearer <key>``."""

    prefixes = (b"token", b"bearer")

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "").encode()
        parts = header.split()
        if not parts or parts[0].lower() not in self.prefixes:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header: expected 'Token <key>'.")
        return self.authenticate_credentials(parts[1])
