"""``Idempotency-Key`` on API POSTs: a client that retries a POST (a timeout, a dropped
connection) with the same key and the same body gets the first response again, and nothing is
created twice.

Keys are scoped to the authenticated caller (the user of the API token or of the session), so two
callers cannot see each other's responses by guessing a key, and a revoked token replays nothing.
A successful (2xx) response is kept for ``IDEMPOTENCY_KEY_HOURS``; a failed one is not kept, since
it created nothing and the retry may run again. While the first request runs, a retry is answered
409 with ``Retry-After``; the same key with a different body is a 422. The claim is an atomic
``SET NX`` in the cache (Redis).

The cache fails open (prm/cache.py): while Redis is down or hung, the claim is granted and nothing
is kept, so a request is handled as if it carried no key (no replay, no 409) after a warning in
the log, never refused or failed for want of Redis.
"""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework.exceptions import AuthenticationFailed

from prm.authentication import TokenAuthentication

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
RUNNING_SECONDS = 120  # a claim outlives any request (gunicorn's timeout); a crashed one frees itself
REPLAYED_HEADERS = ("Content-Type", "Location", "ETag")


def _error(status: int, code: str, detail: str, **headers) -> JsonResponse:
    response = JsonResponse({"code": code, "detail": detail}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _principal(request: HttpRequest) -> str | None:
    """The authenticated caller, as the API will authenticate it (token or session); None when the
    request is about to be refused as unauthenticated, so a revoked token never gets a replay."""
    if request.headers.get("Authorization"):
        try:
            authenticated = TokenAuthentication().authenticate(request)
        except AuthenticationFailed:
            return None
        return f"user:{authenticated[0].pk}" if authenticated else None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None


def slot_name(principal: str, key: str) -> str:
    """The cache entry of one caller's key (the key itself may be any printable text)."""
    return "idempotency:" + hashlib.sha256(f"{principal}\n{key}".encode()).hexdigest()


def _fingerprint(request: HttpRequest) -> str:
    """A digest of what is asked: the path and the body (for uploads, the fields and the files' bytes)."""
    digest = hashlib.sha256(request.get_full_path().encode())
    if request.content_type == "multipart/form-data":
        digest.update(json.dumps(sorted(request.POST.lists())).encode())
        for name, upload in sorted(request.FILES.items()):
            digest.update(f"{name}:{upload.name}:{upload.size}".encode())
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _replay(stored: dict) -> HttpResponse:
    response = HttpResponse(stored["body"], status=stored["status"])
    for name, value in stored["headers"].items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    return response


class IdempotencyKeyMiddleware:
    """Applies to POSTs under /api/ that carry an ``Idempotency-Key`` header; everything else passes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if request.method != "POST" or key is None or not request.path.startswith("/api/"):
            return self.get_response(request)
        if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
            return JsonResponse(
                {HEADER: [f"Give a key of 1 to {MAX_KEY_LENGTH} printable ASCII characters, such as a UUID."]},
                status=400,
            )
        principal = _principal(request)
        if principal is None:
            return self.get_response(request)  # refused as unauthenticated; nothing to protect
        slot = slot_name(principal, key)
        fingerprint = _fingerprint(request)
        claim = {"state": "running", "fingerprint": fingerprint}
        while not cache.add(slot, claim, timeout=RUNNING_SECONDS):
            answer = self._answer_again(slot, fingerprint)
            if answer is not None:
                return answer
        try:
            response = self.get_response(request)
        except BaseException:
            cache.delete(slot)
            raise
        if 200 <= response.status_code < 300 and not response.streaming:
            stored = {
                "state": "done",
                "fingerprint": fingerprint,
                "status": response.status_code,
                "body": response.content,
                "headers": {name: response[name] for name in REPLAYED_HEADERS if response.has_header(name)},
            }
            cache.set(slot, stored, timeout=settings.IDEMPOTENCY_KEY_HOURS * 3600)
        else:
            cache.delete(slot)  # nothing was created: a retry with this key may run again
        return response

    @staticmethod
    def _answer_again(slot: str, fingerprint: str) -> HttpResponse | None:
        """The answer to a key already claimed; None when the claim was freed meanwhile (claim it then)."""
        stored = cache.get(slot)
        if stored is None:
            return None
        if stored["fingerprint"] != fingerprint:
            return _error(
                422,
                "idempotency_key_reused",
                f"This {HEADER} was used for a different request; send a new key for a new request.",
            )
        if stored["state"] == "running":
            return _error(
                409,
                "request_in_progress",
                f"A request with this {HEADER} is still running; retry shortly.",
                Retry_After="1",
            )
        return _replay(stored)
