"""Page-number pagination of every API list (the settings' DEFAULT_PAGINATION_CLASS)."""

from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination

from prm.querystring import QueryValueError, parse_int

MAX_PAGE_SIZE = 200


class Pagination(PageNumberPagination):
    """``?page=`` and ``?page_size=`` (at most 200); a malformed page or size is a 400, not a silent default."""

    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    query_params = ("page", "page_size")

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
