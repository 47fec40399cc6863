"""API building blocks shared by every app: the guarded base viewset and the error mapping.

Pagination (prm.pagination) and throttles (prm.throttling) live apart because DRF imports them
from the settings while its own views are being defined."""

from __future__ import annotations

import logging
import math

from django import forms
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, status, viewsets
from rest_framework.response import Response
from rest_framework.settings import api_settings

from prm.errors import DomainError, FieldErrors
from prm.pagination import Pagination

logger = logging.getLogger(__name__)


class ScopedViewSet(viewsets.GenericViewSet):
    """The one base of every API resource (a test fails for a registered viewset that is not one).

    A subclass says which rows the caller may reach by implementing ``scoped_queryset()``, built on
    ``visible_to(user)`` or an explicit staff-only rule in a selector that takes the user; it may
    not define ``get_queryset`` or ``queryset``, so the scoping cannot be bypassed by accident.
    Objects outside that queryset are a 404 for every role. Pagination, throttling and the error
    shape come from the settings; list filters are declared once, as a django-filter
    ``filterset_class`` or, where the pages share a form, a ``filter_form_class`` whose
    ``filters()`` feeds the selector. A list refuses (400, naming them) query parameters it does
    not take, parameters given twice and empty values, so a typo never widens a result.
    """

    pagination_class = Pagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = None
    filter_form_class = None
    filter_form_kwargs: dict = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in ("get_queryset", "queryset"):
            if name in vars(cls):
                raise TypeError(f"{cls.__name__} defines {name}; API resources implement scoped_queryset() instead.")

    def scoped_queryset(self):
        """The rows this caller may reach; everything else does not exist for it (404)."""
        raise NotImplementedError(f"{type(self).__name__} must implement scoped_queryset()")

    def get_queryset(self):
        return self.scoped_queryset()

    def accepted_query_params(self) -> set[str]:
        names = set()
        if self.paginator is not None:
            names |= set(getattr(self.paginator, "query_params", ()))
        if self.filterset_class is not None:
            names |= set(self.filterset_class.base_filters)
        if self.filter_form_class is not None:
            names |= set(self.filter_form_class.base_fields)
        return names

    def check_query_params(self) -> None:
        """400 for unknown, repeated or empty query parameters of a list, each named."""
        params, accepted, errors = self.request.query_params, self.accepted_query_params(), {}
        blank_allowed = set(getattr(self.paginator, "blank_params", ()))
        for name in params:
            values = params.getlist(name)
            if name not in accepted:
                takes = ", ".join(sorted(accepted)) or "none"
                errors[name] = [f"Unknown parameter; this list takes: {takes}."]
            elif len(values) > 1:
                errors[name] = ["Give this parameter once; separate several values with commas."]
            elif not values[0].strip() and name not in blank_allowed:
                errors[name] = ["Give a value, or leave the parameter out."]
        if errors:
            raise exceptions.ValidationError(errors)

    def form_filters(self):
        """The validated filters of ``filter_form_class`` (a 400 with its field errors otherwise)."""
        self.check_query_params()
        form = self.filter_form_class(self.request.query_params, **self.filter_form_kwargs)
        if not form.is_valid():
            raise exceptions.ValidationError(form.errors)
        return form.filters()

    def filter_queryset(self, queryset):
        if self.action == "list":
            self.check_query_params()
        return super().filter_queryset(queryset)

    def paginate_queryset(self, queryset):
        self.check_query_params()
        return super().paginate_queryset(queryset)


def form_parameters(form_class) -> list[OpenApiParameter]:
    """The OpenAPI parameters of a filter form shared with the pages, so they are declared once."""
    types = {forms.DateTimeField: OpenApiTypes.DATETIME, forms.DateField: OpenApiTypes.DATE}
    parameters = []
    for name, field in form_class.base_fields.items():
        kind = next((schema for cls, schema in types.items() if isinstance(field, cls)), OpenApiTypes.STR)
        choices = getattr(field, "choices", None)
        enum = [value for value, _ in choices if value] if isinstance(field, forms.ChoiceField) and choices else None
        if isinstance(field, forms.MultipleChoiceField):
            enum = None  # a comma list of the choices; described in the help text
        description = str(field.help_text or field.label or name)
        parameters.append(OpenApiParameter(name, kind, description=description, enum=enum))
    return parameters


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
