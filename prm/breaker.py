"""A circuit breaker for the optional servers (the broker, the cache's Redis).

A request must not wait on Redis: after one failure the server is skipped for a while, so a hung
server costs one request a short timeout, not every request, and the warning is logged once per
outage window instead of once per call. Process-wide: Django builds one cache object per thread,
and every thread of a web process should learn of the outage from the first that met it.
"""

from __future__ import annotations

import logging
import threading
import time

logger = logging.getLogger(__name__)


class Breaker:
    def __init__(self, name: str) -> None:
        self.name = name
        self._open_until = 0.0
        self._lock = threading.Lock()

    def is_open(self) -> bool:
        """True while the server is being skipped."""
        return time.monotonic() < self._open_until

    def trip(self, exc: BaseException, *, retry_after: float, consequence: str) -> None:
        """Record a failure: skip the server for ``retry_after`` seconds; warn once per window."""
        with self._lock:
            already_open = self.is_open()
            self._open_until = time.monotonic() + retry_after
        if not already_open:
            logger.warning(
                "%s unavailable (%s: %s); %s; not tried again for %ss",
                self.name,
                type(exc).__name__,
                exc,
                consequence,
                retry_after,
            )

    def reset(self) -> None:
        with self._lock:
            self._open_until = 0.0


_breakers: dict[str, Breaker] = {}
_breakers_lock = threading.Lock()


def breaker(name: str) -> Breaker:
    """The one breaker of ``name`` in this process."""
    with _breakers_lock:
        found = _breakers.get(name)
        if found is None:
            found = _breakers[name] = Breaker(name)
        return found


def redact(url: str) -> str:
    """A server's URL without its password, fit for a log line."""
    scheme, sep, rest = url.partition("://")
    _credentials, at, host = rest.rpartition("@")
    return f"{scheme}{sep}…@{host}" if at else url
