"""Staff set up a second factor before they use the pages (settings.MFA_REQUIRED_FOR_STAFF).

A staff login (admin, manager, analyst) without an allauth.mfa authenticator is sent to the TOTP
activation page, whatever page it asks for, until it has one. Partner logins are not concerned.

Left alone: the account and MFA pages themselves (/accounts/: log-in, log-out, re-authentication,
password reset, 2fa), static and media files and the health endpoints (prm.health answers those
before any middleware). The API authenticates by token and is not redirected; a token is issued
only to a user who passed the log-in, by a session request to /api/v1/tokens/. So that no token
is issued past this check, session-authenticated API requests of such a user get a JSON 403
(``mfa_required``) instead of a redirect. Tokens issued before the setting was turned on keep
working until they expire or are revoked.

One query per request at most: once a user has an authenticator, the session remembers it, and
removing an authenticator forgets it (so the next request asks the database again).
"""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_removed
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

SESSION_KEY = "prm_mfa_satisfied_by"
EXEMPT_PREFIXES = ("/accounts/", "/healthz/", "/readyz/")
API_PREFIX = "/api/"
MESSAGE = "Set up an authenticator app before you continue: staff accounts need a second factor."


def _exempt(path: str) -> bool:
    return path.startswith((*EXEMPT_PREFIXES, settings.STATIC_URL, settings.MEDIA_URL))


def _has_second_factor(user) -> bool:
    # recovery codes alone are no second factor: allauth issues them with TOTP and drops them with it
    return Authenticator.objects.filter(user=user).exclude(type=Authenticator.Type.RECOVERY_CODES).exists()


class StaffMfaRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.MFA_REQUIRED_FOR_STAFF and self._must_set_up(request):
            if request.path_info.startswith(API_PREFIX):
                return JsonResponse({"detail": MESSAGE, "code": "mfa_required"}, status=403)
            target = reverse("mfa_activate_totp")
            if getattr(request, "htmx", False):  # a fragment swap would show the form inside the page
                response = HttpResponse(status=204)
                response["HX-Redirect"] = target
                return response
            messages.warning(request, MESSAGE)
            return redirect(target)
        return self.get_response(request)

    @staticmethod
    def _must_set_up(request: HttpRequest) -> bool:
        if _exempt(request.path_info):
            return False
        user = request.user
        if not (user.is_authenticated and user.is_staff):
            return False
        if request.session.get(SESSION_KEY) == user.pk:
            return False
        if _has_second_factor(user):
            request.session[SESSION_KEY] = user.pk
            return False
        return True


def _forget(sender, request=None, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session.pop(SESSION_KEY, None)


authenticator_removed.connect(_forget, dispatch_uid="prm.mfa.forget")
