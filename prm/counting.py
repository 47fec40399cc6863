"""Counts that stop at a cap, so a list's count stops growing with the rows that match.

An exact ``COUNT(*)`` reads every matching row; past ``settings.LIST_COUNT_CAP`` (default 10,000)
a list says "10,000+" instead (``count_exact`` false in the API), which is all a person paging
by hand needs. Integrations that read everything walk with ``?cursor=`` and never count.
"""

from __future__ import annotations

from contextlib import suppress
from functools import cached_property

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import QuerySet

from prm.querystring import QueryValueError, parse_int


def bounded_count(queryset: QuerySet | list, limit: int) -> int:
    """The number of rows, counting no further than ``limit`` (one query, no joins it does not need)."""
    if not isinstance(queryset, QuerySet):  # a list someone paginates (the rule kinds)
        return min(len(queryset), limit)
    return queryset.order_by().values("pk")[:limit].count()


class BoundedPaginator(Paginator):
    """A paginator whose count is exact up to the cap, or to the end of the page asked for when that
    lies deeper, and a lower bound beyond it.

    When there are more rows than were counted, ``count`` is one more than the rows it reached, so
    the page at the end of the counted range still has a next page; ``shown_count`` is the figure to
    show ("10,000" with ``count_exact`` false, i.e. "10,000+").
    """

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, *, cap: int | None = None):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        self.reach = max(1, cap if cap is not None else settings.LIST_COUNT_CAP)

    def validate_number(self, number):
        # the page asked for decides how far the count reaches, so a deep page still has its rows
        if "count" not in self.__dict__:
            with suppress(QueryValueError):  # Paginator.validate_number answers a bad number
                self.reach = max(self.reach, parse_int(str(number)) * self.per_page)
        return super().validate_number(number)

    @cached_property
    def count(self) -> int:
        return bounded_count(self.object_list, self.reach + 1)

    @property
    def count_exact(self) -> bool:
        return self.count <= self.reach

    @property
    def shown_count(self) -> int:
        return self.count if self.count_exact else self.reach
