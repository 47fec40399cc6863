"""Regions and verticals, read once and kept in the cache.

Every partner list request validates its region and vertical filters and walks the region
tree; these rows change only when an admin edits them, so they come from the cache instead of
two queries per request: a copy in the process, refreshed from Redis at most once a second
(a request asks for it several times), which the database fills. Any write to them calls
reference_changed(); other processes see the change within a second.

With Redis down every process reads the database (once a second). A change made meanwhile cannot
delete the copy in Redis, so the process that made it overwrites that copy with fresh rows as soon
as Redis answers again, and the copy expires after CACHE_SECONDS whatever happens.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache

from prm.cache import cache_unavailable

CACHE_KEY = "partners:reference:v1"
CACHE_SECONDS = 60  # a safety net (writes invalidate at once), and the most a lost invalidation lasts
LOCAL_SECONDS = 1.0  # how long this process trusts its own copy
_local: tuple[float, Reference] | None = None
_stale_in_cache = False  # this process changed the rows while Redis was down: overwrite its copy


@dataclass(frozen=True)
class Reference:
    regions: dict[str, str]  # code → name, in code order
    parents: dict[str, str | None]  # code → parent code
    verticals: dict[str, str]  # slug → name, in name order

    def children(self) -> dict[str | None, list[str]]:
        tree: dict[str | None, list[str]] = {}
        for code, parent in self.parents.items():
            tree.setdefault(parent, []).append(code)
        return tree

    def descendants(self, codes) -> list[str]:
        """The given region codes and every region below them (EMEA → EMEA, WE, DACH, …)."""
        tree, found, stack = self.children(), set(), list(codes)
        while stack:
            code = stack.pop()
            if code not in found:
                found.add(code)
                stack.extend(tree.get(code, ()))
        return sorted(found)


def reference() -> Reference:
    global _local, _stale_in_cache
    if _local is not None and time.monotonic() - _local[0] < LOCAL_SECONDS:
        return _local[1]
    cached = None if _stale_in_cache else cache.get(CACHE_KEY)
    if cached is None:
        from partners.models import Region, Vertical

        rows = list(Region.objects.order_by("code").values_list("code", "name", "parent_id"))
        cached = Reference(
            regions={code: name for code, name, _ in rows},
            parents={code: parent for code, _, parent in rows},
            verticals=dict(Vertical.objects.order_by("name").values_list("slug", "name")),
        )
        cache.set(CACHE_KEY, cached, CACHE_SECONDS)
        _stale_in_cache = _stale_in_cache and cache_unavailable()
    _local = (time.monotonic(), cached)
    return cached


def reference_changed() -> None:
    """Call after any write to regions or verticals."""
    global _local, _stale_in_cache
    _local = None
    cache.delete(CACHE_KEY)
    _stale_in_cache = cache_unavailable()
