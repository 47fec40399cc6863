"""Request rates of the API (the settings' DEFAULT_THROTTLE_CLASSES).

A fixed window per client: one counter per rate period, raised with an atomic increment. DRF's
own throttles keep a list of every request's time in the period and write it back whole on each
request, so a client allowed 1,200 a minute costs an ever longer read and write; a counter costs
the same at any rate.

Throttling protects the site; it is not worth failing a request for. With Redis down or hung the
request is allowed after at most ``REDIS_TIMEOUT`` (a warning is logged), and Redis is skipped
for ``CACHE_RETRY_AFTER`` seconds through the cache's breaker (prm/cache.py).
"""

import functools
import time

import redis
from django.conf import settings
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from prm.cache import UNAVAILABLE, redis_breaker


@functools.cache
def counters() -> redis.Redis:
    """The cache's Redis, through one client per process (the cache backend builds one per call)."""
    options = settings.CACHES["default"].get("OPTIONS", {})
    return redis.Redis.from_url(
        settings.CACHES["default"]["LOCATION"],
        socket_timeout=options.get("socket_timeout", settings.REDIS_TIMEOUT),
        socket_connect_timeout=options.get("socket_connect_timeout", settings.REDIS_TIMEOUT),
    )


def _count(key: str, window: int, duration: int) -> int | None:
    """This request's number in its window; None when Redis cannot say (the request is allowed)."""
    breaker = redis_breaker(settings.CACHES["default"]["LOCATION"])
    if breaker.is_open():
        return None
    pipeline = counters().pipeline(transaction=False)  # one round trip
    pipeline.set(counter_key(key, window), 0, ex=duration + 1, nx=True)
    pipeline.incr(counter_key(key, window))
    try:
        return pipeline.execute()[1]
    except UNAVAILABLE as exc:
        breaker.trip(exc, retry_after=settings.CACHE_RETRY_AFTER, consequence="requests are not throttled")
        return None


def counter_key(key: str, window: int) -> str:
    return f"prm:{key}:{window}"


class _FixedWindow:
    """``allow_request`` of a DRF rate throttle, counting in fixed windows of the rate's period."""

    def get_rate(self):
        # read the rate when asked, so a changed REST_FRAMEWORK setting applies at once
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = time.time()
        window = int(now // self.duration)
        self.window_ends = (window + 1) * self.duration
        self.now = now
        count = _count(key, window, self.duration)
        return count is None or count <= self.num_requests

    def wait(self):
        return max(0.0, self.window_ends - self.now)


class AnonThrottle(_FixedWindow, AnonRateThrottle):
    pass


class UserThrottle(_FixedWindow, UserRateThrottle):
    pass
