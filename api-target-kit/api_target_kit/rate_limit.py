"""The account-wide request budget: one `RateLimiter` per target instance.

Every API call (retries and status polls included) takes a slot first. Slots are handed
out evenly spaced at `max_requests_per_minute`, less a small headroom, so a run never
bursts past the vendor's per-minute limit however many sink threads are draining.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

#: Share of the limit kept free so that network jitter cannot push two paced requests
#: into the same vendor window (2% keeps the achieved rate within 5% of the limit).
HEADROOM = 0.02


class RateLimiter:
    """Thread-safe pacer: at most `max_requests_per_minute`, evenly spaced."""

    def __init__(
        self,
        max_requests_per_minute: float,
        *,
        headroom: float = HEADROOM,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_requests_per_minute <= 0:
            raise ValueError("max_requests_per_minute must be positive")
        self.max_requests_per_minute = max_requests_per_minute
        self.interval = 60.0 / (max_requests_per_minute * (1.0 - headroom))
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_slot = 0.0
        self.waited_seconds = 0.0
        self.granted = 0

    def acquire(self) -> float:
        """Block until this caller's slot comes; return the seconds waited."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_slot)
            self._next_slot = slot + self.interval
            wait = slot - now
            self.waited_seconds += wait
            self.granted += 1
        if wait > 0:
            self._sleep(wait)
        return wait

    def hold_off(self, seconds: float) -> None:
        """Give out no slot for `seconds` from now (the vendor said to wait, e.g. 429)."""
        with self._lock:
            self._next_slot = max(self._next_slot, self._clock() + seconds)

    def seconds_for(self, calls: int) -> float:
        """How long `calls` requests take at this pace."""
        return calls * self.interval
