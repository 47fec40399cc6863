"""API authentication; kept apart from prm.api because DRF imports it while loading its views."""

from django.utils import timezone
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

    def _cleanup_token(self, auth_token) -> bool:
        """Refuse (and delete) this token when it has expired.

        knox also sweeps every other token of the user on each request, one query more per
        call and linear in the number of tokens; expired tokens never authenticate anyway.
        """
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False
