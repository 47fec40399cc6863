"""Pagination of every API list (the settings' DEFAULT_PAGINATION_CLASS): page numbers with a
bounded count for people, and on lists that grow large a keyset ``?cursor=`` for integrations."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from prm.counting import BoundedPaginator
from prm.cursor import CursorCodec, CursorError, Position, cursor_page, sort_keys
from prm.querystring import QueryValueError, parse_int

MAX_PAGE_SIZE = 200


class Pagination(PageNumberPagination):
    """``?page=`` and ``?page_size=`` (at most 200); a malformed page or size is a 400, not a silent
    default. ``count`` is exact up to ``LIST_COUNT_CAP`` rows and says so in ``count_exact``."""

    django_paginator_class = BoundedPaginator
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    query_params: tuple[str, ...] = ("page", "page_size")
    blank_params: tuple[str, ...] = ()  # parameters an empty value means something for

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = parse_int(raw)
        except QueryValueError:
            raise exceptions.ValidationError(
                {"page_size": [f"Must be a whole number from 1 to {MAX_PAGE_SIZE}."]}
            ) from None
        return min(size, self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        raw = request.query_params.get(self.page_query_param)
        if raw is not None:
            try:
                parse_int(raw)
            except QueryValueError as exc:
                raise exceptions.ValidationError({self.page_query_param: [str(exc)]}) from None
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        paginator = self.page.paginator
        return Response(
            {
                "count": paginator.shown_count,
                "count_exact": paginator.count_exact,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        body = super().get_paginated_response_schema(schema)
        properties = body["properties"]
        properties["count"] = {
            "type": "integer",
            "nullable": True,
            "example": 123,
            "description": "Matching rows, exact up to a cap (a setting, 10,000 by default) and a lower bound "
            "beyond it; null on a cursor page, which does not count.",
        }
        properties = {
            "count": properties["count"],
            "count_exact": {
                "type": "boolean",
                "example": True,
                "description": "Whether `count` is exact; false when more rows match than were counted.",
            },
            **{key: value for key, value in properties.items() if key != "count"},
        }
        body["properties"] = properties
        body["required"] = list(properties)
        return body


class CursorPagination(Pagination):
    """Page numbers, or with ``?cursor=`` (empty to start) keyset pages whose cost does not grow with
    depth; ``next`` and ``previous`` carry the cursor to follow.

    A walk goes in the view's ``walk_ordering`` unless the caller chose an ``?ordering=``: an order
    no update changes (the id), so every row that exists throughout a walk is seen exactly
    once, whatever is inserted or edited meanwhile.
    """

    cursor_query_param = "cursor"
    query_params = ("page", "page_size", "cursor")
    blank_params = ("cursor",)

    def paginate_queryset(self, queryset, request, view=None):
        self.cursor_mode = self.cursor_query_param in request.query_params
        if not self.cursor_mode:
            return super().paginate_queryset(queryset, request, view)
        if self.page_query_param in request.query_params:
            raise exceptions.ValidationError(
                {
                    self.cursor_query_param: [
                        "Give either page or cursor, not both: a walk with cursors has no page numbers."
                    ]
                }
            )
        self.request = request
        size = self.get_page_size(request)
        ignored = {self.cursor_query_param, self.page_size_query_param}
        self.codec = CursorCodec(
            scope=request.path,
            user_id=request.user.pk,
            filters={key: value for key, value in request.query_params.items() if key not in ignored},
        )
        walk_ordering = getattr(view, "walk_ordering", None)
        if walk_ordering and getattr(view, "action", None) == "list" and "ordering" not in request.query_params:
            queryset = queryset.order_by(*walk_ordering)
        token = request.query_params[self.cursor_query_param].strip()
        try:
            position = self.codec.decode(token, queryset.model, sort_keys(queryset)) if token else None
        except CursorError as exc:
            raise exceptions.ValidationError({self.cursor_query_param: [str(exc)]}) from None
        self.cursor = cursor_page(queryset, position, size)
        return self.cursor.rows

    def get_schema_operation_parameters(self, view):
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Walk the list with keyset pages instead of page numbers: give it empty to start, "
                "then follow `next` (or `previous`). Not together with `page`.",
                "schema": {"type": "string"},
            },
        ]

    def _link(self, position: Position | None) -> str | None:
        if position is None:
            return None
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        return replace_query_param(url, self.cursor_query_param, self.codec.encode(position))

    def get_paginated_response(self, data):
        if not self.cursor_mode:
            return super().get_paginated_response(data)
        return Response(
            {
                "count": None,
                "count_exact": False,
                "next": self._link(self.cursor.next),
                "previous": self._link(self.cursor.previous),
                "results": data,
            }
        )
