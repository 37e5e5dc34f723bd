"""Sliding-window rate limit: at most ``limit`` arrivals within any ``window_seconds``.

Times are ``time.monotonic()`` readings. To turn :attr:`RateStatus.resets_in` into a wall-clock
(epoch) time for a header such as ``X-RateLimit-Reset``, add it to ``time.time()``.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class RateDecision:
    """Outcome of one arrival: allowed or not, and whole seconds until a slot frees (>= 1)."""

    allowed: bool
    in_window: int
    retry_after: int


@dataclass(frozen=True)
class RateStatus:
    """A read-only view of the window at one moment.

    ``in_window`` counts the arrivals (rejected ones too) in the last ``window_seconds``;
    ``remaining`` is how many more the limit allows now (never below 0); ``resets_in`` is the
    number of seconds until the oldest of those arrivals leaves the window (0.0 when empty).
    """

    limit: int
    window_seconds: float
    in_window: int
    remaining: int
    resets_in: float


class RateLimitWindow(Protocol):
    """What :class:`~api_target_kit.sandbox.SandboxCore` needs from its rate window.

    :class:`RateWindow` (sliding) is the default; a vendor with other rules (fixed windows, a
    shared budget...) passes its own to ``SandboxCore.__init__``.
    """

    @property
    def max_in_window(self) -> int:
        """Return the largest number of arrivals that fell within one window (for the summary)."""

    def hit(self, now: float) -> RateDecision:
        """Record an arrival at monotonic time ``now`` and decide whether it is within the limit."""

    def status(self, now: float) -> RateStatus:
        """Return limit, count, remaining and reset time at ``now``."""

    def reset(self) -> None:
        """Forget all arrivals and the busiest-window figure."""


class RateWindow:
    """Counts every arrival (rejected ones too) and tracks the busiest window seen."""

    def __init__(self, limit: int, window_seconds: float) -> None:
        """Create an empty window allowing ``limit`` arrivals per ``window_seconds``."""
        self._limit = limit
        self._window = window_seconds
        self._arrivals: deque[float] = deque()
        self._max_in_window = 0

    @property
    def limit(self) -> int:
        """Return the number of arrivals allowed per window."""
        return self._limit

    @property
    def window_seconds(self) -> float:
        """Return the window length in seconds."""
        return self._window

    @property
    def max_in_window(self) -> int:
        """Return the largest number of arrivals that fell within one window length."""
        return self._max_in_window

    def hit(self, now: float) -> RateDecision:
        """Record an arrival at monotonic time ``now`` and decide whether it is within the limit."""
        self._expire(now)
        self._arrivals.append(now)
        count = len(self._arrivals)
        self._max_in_window = max(self._max_in_window, count)
        if count <= self._limit:
            return RateDecision(allowed=True, in_window=count, retry_after=0)
        # The next arrival is allowed once the oldest (count - limit + 1) arrivals have expired.
        frees_at = self._arrivals[count - self._limit] + self._window
        wait = max(1, math.ceil(frees_at - now))
        return RateDecision(allowed=False, in_window=count, retry_after=wait)

    def in_window(self, now: float) -> int:
        """Return how many arrivals fall within the window ending at ``now``."""
        self._expire(now)
        return len(self._arrivals)

    def remaining(self, now: float) -> int:
        """Return how many more arrivals the limit allows at ``now`` (0 when at or over it)."""
        return max(0, self._limit - self.in_window(now))

    def resets_in(self, now: float) -> float:
        """Return the seconds until the oldest arrival in the window expires (0.0 when empty)."""
        self._expire(now)
        if not self._arrivals:
            return 0.0
        return max(0.0, self._arrivals[0] + self._window - now)

    def status(self, now: float) -> RateStatus:
        """Return limit, count, remaining and reset time at ``now`` in one value."""
        return RateStatus(
            limit=self._limit,
            window_seconds=self._window,
            in_window=self.in_window(now),
            remaining=self.remaining(now),
            resets_in=self.resets_in(now),
        )

    def reset(self) -> None:
        """Forget all arrivals and the busiest-window figure."""
        self._arrivals.clear()
        self._max_in_window = 0

    def _expire(self, now: float) -> None:
        """Drop the arrivals that left the window (this changes no figure the methods report)."""
        while self._arrivals and self._arrivals[0] <= now - self._window:
            self._arrivals.popleft()
