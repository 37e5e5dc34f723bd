"""The account-wide request budget: one `RateLimiter` per target instance.

Every API call (retries and status polls included) takes a slot first. Slots are handed
out evenly spaced at `max_requests_per_minute`, less a small headroom, so a run never
bursts past the vendor's per-minute limit however many sink threads are draining.

Where the vendor reports what is left of a budget it shares with other integrations
(Connectif's `X-RateLimit-Remaining` / `X-RateLimit-Reset`), `observe_budget` stretches the
spacing so that the calls left last until the window resets.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

#: Calls of the vendor's reported remaining budget left for others (jitter, in-flight calls).
BUDGET_RESERVE = 1

#: Share of the limit kept free so that network jitter cannot push two paced requests
#: into the same vendor window (2% keeps the achieved rate within 5% of the limit).
HEADROOM = 0.02


class SharedBudget(Protocol):
    """A budget shared with other processes (see `account_quota.AccountQuota`)."""

    waited_seconds: float

    def acquire(self) -> float:
        """Block until one call may be sent; return the seconds waited."""

    def describe(self) -> dict[str, str]:
        """Where the budget lives, for the summary."""


class RateLimiter:
    """Thread-safe pacer: at most `max_requests_per_minute`, evenly spaced."""

    def __init__(
        self,
        max_requests_per_minute: float,
        *,
        headroom: float = HEADROOM,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        shared: SharedBudget | None = None,
    ) -> None:
        if max_requests_per_minute <= 0:
            raise ValueError("max_requests_per_minute must be positive")
        self.max_requests_per_minute = max_requests_per_minute
        self.interval = 60.0 / (max_requests_per_minute * (1.0 - headroom))
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_slot = 0.0
        self._last_slot = 0.0
        self._budget_interval = 0.0
        self._budget_until = 0.0
        #: Until when the vendor told us to send nothing (a 429, no budget left): a caller that
        #: was already sleeping toward a slot before then takes a new one.
        self._held_until = 0.0
        self.waited_seconds = 0.0
        self.granted = 0
        #: The account's budget shared with other processes and hosts, taken after our own pacing.
        self.shared = shared

    def acquire(self) -> float:
        """Block until this caller's slot comes; return the seconds waited.

        If the vendor said to hold off while the caller slept toward its slot (a 429, no budget
        left) and the slot falls in that time, it is given up and a later one taken.
        """
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                slot = max(now, self._next_slot)
                spacing = self.interval
                if slot < self._budget_until:
                    spacing = max(spacing, self._budget_interval)
                self._next_slot = slot + spacing
                self._last_slot = slot
            if slot > now:
                self._sleep(slot - now)
                waited += slot - now
            with self._lock:
                if slot >= self._held_until:
                    self.waited_seconds += waited
                    self.granted += 1
                    break
        if self.shared is not None:
            waited += self.shared.acquire()
        return waited

    def hold_off(self, seconds: float) -> None:
        """Give out no slot for `seconds` from now (the vendor said to wait, e.g. 429)."""
        with self._lock:
            self._hold_until(self._clock() + seconds)

    def observe_budget(self, remaining: int, reset_in_seconds: float) -> None:
        """The vendor says `remaining` calls are left until its window resets in `reset_in_seconds`.

        Spread what is left (less `BUDGET_RESERVE`) over the time to the reset; with nothing
        left, give out no slot before the reset.
        """
        reset_in_seconds = max(reset_in_seconds, 0.0)
        usable = remaining - BUDGET_RESERVE
        with self._lock:
            now = self._clock()
            if usable <= 0:
                self._hold_until(now + reset_in_seconds)
                return
            self._budget_interval = reset_in_seconds / usable
            self._budget_until = now + reset_in_seconds
            self._next_slot = max(self._next_slot, self._last_slot + self._budget_interval)

    def _hold_until(self, at: float) -> None:
        """No slot before `at` (lock held), not even one a caller is already sleeping toward."""
        self._next_slot = max(self._next_slot, at)
        self._held_until = max(self._held_until, at)

    def held_for(self) -> float:
        """Seconds left of a hold-off the vendor asked for (a 429, no budget left); 0 when none."""
        with self._lock:
            return max(self._held_until - self._clock(), 0.0)

    def seconds_for(self, calls: int) -> float:
        """How long `calls` requests take at this pace."""
        return calls * self.interval
