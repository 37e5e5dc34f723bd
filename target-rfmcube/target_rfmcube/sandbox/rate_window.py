"""Sliding-window rate limit: at most ``limit`` arrivals within any ``window_seconds``."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class RateDecision:
    """Outcome of one arrival: allowed or not, and whole seconds until a slot frees (>= 1)."""

    allowed: bool
    in_window: int
    retry_after: int


class RateWindow:
    """Counts every arrival (rejected ones too) and tracks the busiest window seen."""

    def __init__(self, limit: int, window_seconds: float) -> None:
        """Create an empty window allowing ``limit`` arrivals per ``window_seconds``."""
        self._limit = limit
        self._window = window_seconds
        self._arrivals: deque[float] = deque()
        self._max_in_window = 0

    @property
    def max_in_window(self) -> int:
        """Return the largest number of arrivals that fell within one window length."""
        return self._max_in_window

    def hit(self, now: float) -> RateDecision:
        """Record an arrival at monotonic time ``now`` and decide whether it is within the limit."""
        while self._arrivals and self._arrivals[0] <= now - self._window:
            self._arrivals.popleft()
        self._arrivals.append(now)
        count = len(self._arrivals)
        self._max_in_window = max(self._max_in_window, count)
        if count <= self._limit:
            return RateDecision(allowed=True, in_window=count, retry_after=0)
        # The next arrival is allowed once the oldest (count - limit + 1) arrivals have expired.
        frees_at = self._arrivals[count - self._limit] + self._window
        wait = max(1, math.ceil(frees_at - now))
        return RateDecision(allowed=False, in_window=count, retry_after=wait)

    def reset(self) -> None:
        """Forget all arrivals and the busiest-window figure."""
        self._arrivals.clear()
        self._max_in_window = 0
