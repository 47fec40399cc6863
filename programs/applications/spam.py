"""Spam protection of the public application page: how many applications one client address may
send in an hour.

A fixed window per address and hour, counted in the cache with an atomic increment. The count
protects the page, it is never worth refusing a real applicant for: with Redis down or hung the
cache (prm.cache.FailOpenRedisCache) answers like an empty one, so every submission counts as the
first and is let through, after at most the cache's short timeout; the honeypot still applies.
"""

from __future__ import annotations

import time

from django.core.cache import cache

SUBMISSIONS_PER_HOUR = 5
WINDOW_SECONDS = 3600


def submission_allowed(client_ip: str | None, *, now: float | None = None) -> bool:
    """Count one submission from ``client_ip`` and say whether it is within the hour's limit."""
    window = int((now if now is not None else time.time()) // WINDOW_SECONDS)
    key = f"applications:submitted:{client_ip or 'unknown'}:{window}"
    cache.add(key, 0, timeout=WINDOW_SECONDS + 60)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between the two calls: this is the window's first
        count = 1
    return count <= SUBMISSIONS_PER_HOUR
