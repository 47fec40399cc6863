"""A Redis cache that fails open: with Redis down or hung, pages and the API keep working.

Nothing this project keeps in the cache is the only copy of anything (reference data comes from
the database, throttle counters and idempotency claims only protect), so a cache that cannot be
reached answers like an empty one that forgets: ``get`` the default, ``add`` True (the key was
free), ``set`` and ``delete`` nothing. Every call gives up after the short socket timeouts of the
settings (``REDIS_TIMEOUT``), and after a failure Redis is not tried again for
``CACHE_RETRY_AFTER`` seconds (prm/breaker.py), so a hung server costs one request a timeout, not
every request. The warning is logged once per outage window, not once per call.

The throttles (prm/throttling.py) use their own client of the same server and share the breaker
through ``redis_breaker``.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from prm.breaker import Breaker, breaker, redact

# what "Redis cannot be reached" looks like (refused, reset, timed out, still loading its data);
# any other error (a wrong type, a bad command) is a bug and still raises
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)


def redis_breaker(location: str) -> Breaker:
    """The breaker of a cache location (the cache and the throttles share the cache's)."""
    return breaker(f"cache at {redact(location)}")


def cache_unavailable() -> bool:
    """True while the default cache is being skipped after a failure (what it answers is made up)."""
    from django.core.cache import caches

    backend = caches["default"]
    return isinstance(backend, FailOpenRedisCache) and backend.breaker.is_open()


def _fail_open(default):
    """Run a cache operation unless the breaker is open; on an outage trip it and answer ``default``
    (called with the operation's arguments when it is callable)."""

    def decorate(method):
        @functools.wraps(method)
        def guarded(self, *args, **kwargs):
            answer = default(*args, **kwargs) if callable(default) else default
            if self.breaker.is_open():
                return answer
            try:
                return method(self, *args, **kwargs)
            except UNAVAILABLE as exc:
                self.breaker.trip(exc, retry_after=settings.CACHE_RETRY_AFTER, consequence="the cache answers empty")
                return answer

        return guarded

    return decorate


def _get_default(key, default=None, version=None):
    return default


def _incr_default(key, delta=1, version=None):
    return delta


def _set_many_default(data, timeout=DEFAULT_TIMEOUT, version=None):
    return list(data)  # the keys that were not stored


class FailOpenRedisCache(RedisCache):
    """Django's Redis cache, answering like an empty cache while Redis cannot be reached."""

    @property
    def breaker(self) -> Breaker:
        return redis_breaker(self._servers[0])

    def ping(self) -> None:
        """Ask Redis itself, past the breaker; raises when it does not answer (readiness)."""
        self._cache.get_client(write=True).ping()

    # "stored": the key was free as far as anyone can tell, so a claim or a lock built on ``add``
    # (allauth's rate limits, its used-TOTP-code marks, the idempotency claim, the re-evaluation
    # debounce) lets the caller through instead of refusing it or making it wait for a holder
    add = _fail_open(True)(RedisCache.add)
    get = _fail_open(_get_default)(RedisCache.get)
    set = _fail_open(None)(RedisCache.set)
    touch = _fail_open(False)(RedisCache.touch)
    delete = _fail_open(False)(RedisCache.delete)
    get_many = _fail_open(lambda keys, version=None: {})(RedisCache.get_many)
    has_key = _fail_open(False)(RedisCache.has_key)
    incr = _fail_open(_incr_default)(RedisCache.incr)
    set_many = _fail_open(_set_many_default)(RedisCache.set_many)
    delete_many = _fail_open(None)(RedisCache.delete_many)
    clear = _fail_open(False)(RedisCache.clear)
