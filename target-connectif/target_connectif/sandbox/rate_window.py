"""Fixed-window rate limit, as Connectif documents it (``X-RateLimit-Reset`` is a Unix epoch).

Windows are aligned to multiples of ``window_seconds`` since the Unix epoch: every window allows
``limit`` requests of the account, of which other integrations of the same account take
``foreign`` (they share the budget). The kit calls the window (a
:class:`~api_target_kit.sandbox.RateLimitWindow`) with ``time.monotonic()`` readings; they are
turned into wall-clock time with an offset taken when the window is created.
"""

from __future__ import annotations

import math
import time

from api_target_kit.sandbox import RateDecision, RateStatus


class FixedRateWindow:
    """Counts this client's arrivals (rejected ones too) per fixed window; tracks the busiest window."""

    def __init__(self, limit: int, window_seconds: float, foreign: int = 0, epoch_offset: float | None = None) -> None:
        """Allow ``limit - foreign`` of this client's arrivals per window of ``window_seconds``.

        ``epoch_offset`` is added to a monotonic reading to get Unix time (default: measured now).
        """
        self._limit = limit
        self._window = window_seconds
        self._foreign = foreign
        self._offset = time.time() - time.monotonic() if epoch_offset is None else epoch_offset
        self._index: int | None = None
        self._count = 0
        self._busiest = 0

    @property
    def max_in_window(self) -> int:
        """Return the largest number of this client's arrivals within one fixed window."""
        return self._busiest

    @property
    def allowance(self) -> int:
        """Return how many of this client's arrivals a window allows (the limit minus foreign ones)."""
        return max(0, self._limit - self._foreign)

    def hit(self, now: float) -> RateDecision:
        """Record an arrival at monotonic time ``now``; allowed while the window's allowance lasts."""
        self._roll(now)
        self._count += 1
        self._busiest = max(self._busiest, self._count)
        if self._count <= self.allowance:
            return RateDecision(allowed=True, in_window=self._count, retry_after=0)
        wait = max(1, math.ceil(self.resets_in(now)))
        return RateDecision(allowed=False, in_window=self._count, retry_after=wait)

    def in_window(self, now: float) -> int:
        """Return this client's arrivals in the window containing ``now``."""
        self._roll(now)
        return self._count

    def remaining(self, now: float) -> int:
        """Return how many more arrivals the current window allows (never below 0)."""
        return max(0, self.allowance - self.in_window(now))

    def resets_in(self, now: float) -> float:
        """Return the seconds until the window containing ``now`` ends (always > 0)."""
        return self.window_end(now) - (now + self._offset)

    def status(self, now: float) -> RateStatus:
        """Return the account's limit, this client's count and remaining arrivals, and the reset time."""
        count = self.in_window(now)
        return RateStatus(self._limit, self._window, count, max(0, self.allowance - count), self.resets_in(now))

    def window_end(self, now: float) -> float:
        """Return the Unix time at which the window containing monotonic ``now`` ends."""
        return (self._index_at(now) + 1) * self._window

    def reset_epoch(self, now: float) -> int:
        """Return ``X-RateLimit-Reset``: the end of the current window in whole Unix seconds."""
        return math.ceil(self.window_end(now))

    def reset(self) -> None:
        """Forget the current window's arrivals and the busiest-window figure."""
        self._index = None
        self._count = 0
        self._busiest = 0

    def _index_at(self, now: float) -> int:
        return math.floor((now + self._offset) / self._window)

    def _roll(self, now: float) -> None:
        """Start counting afresh when ``now`` is in a later window than the last arrival."""
        index = self._index_at(now)
        if index != self._index:
            self._index = index
            self._count = 0
