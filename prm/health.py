"""Liveness and readiness, answered before host validation and the HTTPS redirect.

Container probes and load balancers call these by IP address over plain HTTP, so they
must not depend on ALLOWED_HOSTS or TLS settings meant for people.
"""

import logging

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import JsonResponse

from prm.celery import app as celery_app

logger = logging.getLogger(__name__)

NO_STORE = {"Cache-Control": "no-store"}


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_broker() -> None:
    """One PING, given up after REDIS_TIMEOUT whether the broker refuses or hangs."""
    timeout = settings.REDIS_TIMEOUT
    quick = {"socket_timeout": timeout, "socket_connect_timeout": timeout, "retry_on_timeout": False, "max_retries": 0}
    with celery_app.connection_for_write(transport_options=quick) as conn:
        conn.default_channel.client.ping()


def _check_cache() -> None:
    """One PING of the cache's Redis (the cache itself fails open, so asking it proves nothing)."""
    caches["default"].ping()


def liveness() -> JsonResponse:
    """The process answers. Touches nothing else, so a database outage does not restart web."""
    return JsonResponse({"status": "ok"}, headers=NO_STORE)


def readiness() -> JsonResponse:
    """The database, the broker and the cache answer; 503 names what does not, within about
    twice REDIS_TIMEOUT when Redis is down or hung (the site itself keeps working without it)."""
    checks = {}
    for name, check in (("database", _check_database), ("broker", _check_broker), ("cache", _check_cache)):
        try:
            check()
            checks[name] = "ok"
        except Exception as exc:  # any failure means "not ready"; the reason goes to the log
            logger.warning("readiness check %s failed: %s", name, exc)
            checks[name] = "unavailable"
    ready = all(value == "ok" for value in checks.values())
    body = {"status": "ok" if ready else "unavailable", "checks": checks}
    return JsonResponse(body, status=200 if ready else 503, headers=NO_STORE)


ENDPOINTS = {"/healthz/": liveness, "/readyz/": readiness}


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        endpoint = ENDPOINTS.get(request.path_info)
        if endpoint is not None and request.method in ("GET", "HEAD"):
            return endpoint()
        return self.get_response(request)
