"""Rate limits (the JSON API, Open311, the complaint forms): a sliding-window counter per client.

Ninja's `SimpleRateThrottle` keeps every request's timestamp of the last window in one cached list,
read and written back (pickled) on each request: its cost grows with the limit (thousands of entries
where an operator raises it), and it keeps the request's key and list on the throttle instance, which
Ninja shares between the threads of a worker, so two concurrent requests could store one client's
list under the other's key. Here each request reads two counters and increments one (decision 0010).
"""

from __future__ import annotations

import hashlib
import math
import threading
import time

from django.core.cache import cache
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

_PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """'240/m' → (240, 60): requests allowed, and the window in seconds."""
    count, _, unit = rate.partition("/")
    if unit not in _PERIODS:
        raise ValueError(f"rate {rate!r}: the period must be one of {', '.join(_PERIODS)}")
    return int(count), _PERIODS[unit]


class WindowThrottle(BaseThrottle):
    """At most `limit` requests per `period` per key. The count over the sliding window is estimated
    from this fixed window's counter plus the previous one's, weighted by the share of it the sliding
    window still covers (exact when requests are spread evenly, never off by more than the previous
    window's count). Requests refused are not counted, so a client that waits gets back in."""

    scope = "api"
    timer = staticmethod(time.time)

    def __init__(self, rate: str | None = None) -> None:
        self._rate = rate
        self._last = threading.local()  # wait() answers for the request this thread just refused

    def rate(self, request: HttpRequest) -> str | None:
        """The limit for this request ('N/m'); None lifts it."""
        return self._rate

    def ident(self, request: HttpRequest) -> str | None:
        """Whom this request counts for; None: it is not limited by this throttle."""
        return self.get_ident(request)

    def allow_request(self, request: HttpRequest) -> bool:
        self._last.wait = None
        rate, ident = self.rate(request), self.ident(request)
        if rate is None or ident is None:
            return True
        limit, period = parse_rate(rate)
        now = self.timer()
        window = int(now // period)
        current, previous = (f"throttle:{self.scope}:{ident}:{w}" for w in (window, window - 1))
        counts = cache.get_many([current, previous])
        done, before = counts.get(current, 0), counts.get(previous, 0)
        elapsed = now - window * period
        if before * (1 - elapsed / period) + done >= limit:
            self._last.wait = self._wait(limit, period, elapsed, done, before)
            return False
        if not cache.add(current, 1, timeout=2 * period):
            try:
                cache.incr(current)
            except ValueError:  # expired between add and incr
                cache.add(current, 1, timeout=2 * period)
        return True

    @staticmethod
    def _wait(limit: int, period: int, elapsed: float, done: int, before: int) -> float:
        """Whole seconds until the estimate is below the limit again (the first second past it)."""
        if limit <= 0:
            seconds = float(period)
        elif done >= limit:
            # This window alone is full; in the next one it is the previous window, fading out:
            # done · (1 - t/period) < limit  ⇔  t > period · (1 - limit/done).
            seconds = period - elapsed + period * (1 - limit / done)
        else:
            # before · (1 - t/period) + done < limit  ⇔  t > period · (1 - (limit - done)/before).
            seconds = period * (1 - (limit - done) / before) - elapsed
        return float(max(1, math.floor(seconds) + 1))

    def wait(self) -> float | None:
        return getattr(self._last, "wait", None)


class AnonThrottle(WindowThrottle):
    """Requests without API credentials, per client address."""

    scope = "anon"

    def ident(self, request: HttpRequest) -> str | None:
        return None if getattr(request, "auth", None) is not None else self.get_ident(request)


class AuthThrottle(WindowThrottle):
    """Every request, per API credential when there is one, else per client address."""

    scope = "auth"

    def ident(self, request: HttpRequest) -> str | None:
        auth = getattr(request, "auth", None)
        if auth is None:
            return self.get_ident(request)
        return hashlib.sha256(str(auth).encode()).hexdigest()[:32]
