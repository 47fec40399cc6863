"""API building blocks shared by every app: authentication, pagination, throttles, errors."""

from __future__ import annotations

import logging
import math

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from prm.errors import DomainError, FieldErrors

logger = logging.getLogger(__name__)

MAX_PAGE_SIZE = 200


class Pagination(PageNumberPagination):
    """``?page=`` and ``?page_size=`` (at most 200); a malformed size is a 400, not a silent default."""

    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            raise exceptions.ValidationError({"page_size": [f"Must be a whole number from 1 to {MAX_PAGE_SIZE}."]})
        return min(size, self.max_page_size)


class _SettingsRate:
    """Read the rate when asked, so a changed REST_FRAMEWORK setting applies at once."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonThrottle(_SettingsRate, AnonRateThrottle):
    pass


class UserThrottle(_SettingsRate, UserRateThrottle):
    pass


def error_body(code: str, detail: str, **extra) -> dict:
    return {"code": code, "detail": detail, **extra}


def exception_handler(exc, context):
    """Give every API error one JSON shape.

    Validation errors keep the contract of api.md, ``{"field": ["message"]}``; every other
    error is ``{"code": "<stable code>", "detail": "<message>"}`` with extra keys where useful.
    Unexpected exceptions are logged and answered as JSON too, never an HTML page.
    """
    if isinstance(exc, DjangoValidationError):  # raised by services, with field messages when it has them
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, ObjectDoesNotExist):
        exc = exceptions.NotFound()
    elif isinstance(exc, SuspiciousOperation):  # a forged Host header and the like: the client's fault
        exc = exceptions.ParseError("The request was refused as suspicious.")
    if isinstance(exc, FieldErrors):
        return Response(exc.errors, status=exc.status_code)
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message, **exc.extra), status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    from rest_framework.views import exception_handler as drf_exception_handler  # DRF's views import this module

    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("unhandled API error", exc_info=exc)
        return Response(
            error_body("server_error", "Something went wrong on our side; it has been logged."),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    if isinstance(exc, exceptions.ValidationError):
        data = exc.detail if isinstance(exc.detail, dict) else {api_settings.NON_FIELD_ERRORS_KEY: exc.detail}
        response.data = data
        return response

    codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    code = codes if isinstance(codes, str) else "error"
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    extra = {}
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        extra["retry_after"] = max(1, math.ceil(exc.wait))
        response["Retry-After"] = str(extra["retry_after"])
    response.data = error_body(code, str(detail), **extra)
    return response
