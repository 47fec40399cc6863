"""Health endpoints and error pages."""

import logging

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from prm.celery import app as celery_app

logger = logging.getLogger(__name__)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Touches nothing else, so a database outage does not restart web."""
    return JsonResponse({"status": "ok"})


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_broker() -> None:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        conn.default_channel.client.ping()


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: the database and the broker both answer; 503 names what does not."""
    checks = {}
    for name, check in (("database", _check_database), ("broker", _check_broker)):
        try:
            check()
            checks[name] = "ok"
        except Exception as exc:  # any failure means "not ready"; the reason goes to the log
            logger.warning("readiness check %s failed: %s", name, exc)
            checks[name] = "unavailable"
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def error_404(request: HttpRequest, exception=None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"code": "not_found", "detail": "Not found."}, status=404)
    return render(request, "404.html", status=404)


def error_403(request: HttpRequest, exception=None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"code": "permission_denied", "detail": "You do not have permission."}, status=403)
    return render(request, "403.html", status=403)


def error_400(request: HttpRequest, exception=None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"code": "bad_request", "detail": "The request could not be understood."}, status=400)
    return render(request, "400.html", status=400)


def error_500(request: HttpRequest) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"code": "server_error", "detail": "Something went wrong on our side."}, status=500)
    return render(request, "500.html", status=500)
