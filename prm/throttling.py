"""Request rates of the API (the settings' DEFAULT_THROTTLE_CLASSES).

A fixed window per client: one counter per rate period, raised with an atomic increment. DRF's
own throttles keep a list of every request's time in the period and write it back whole on each
request, so a client allowed 1,200 a minute costs an ever longer read and write; a counter costs
the same at any rate.
"""

import functools
import time

import redis
from django.conf import settings
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


@functools.cache
def counters() -> redis.Redis:
    """The cache's Redis, through one client per process (the cache backend builds one per call)."""
    return redis.Redis.from_url(settings.CACHES["default"]["LOCATION"], socket_timeout=5, socket_connect_timeout=5)


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
        pipeline = counters().pipeline(transaction=False)  # one round trip
        pipeline.set(counter_key(key, window), 0, ex=self.duration + 1, nx=True)
        pipeline.incr(counter_key(key, window))
        count = pipeline.execute()[1]
        self.now = now
        return count <= self.num_requests

    def wait(self):
        return max(0.0, self.window_ends - self.now)


class AnonThrottle(_FixedWindow, AnonRateThrottle):
    pass


class UserThrottle(_FixedWindow, UserRateThrottle):
    pass
