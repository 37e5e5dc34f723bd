"""The account-wide request budget: one `RateLimiter` per target instance.

Every API call (retries and status polls included) takes a slot first. Slots are handed
out evenly spaced at `max_requests_per_minute`, less a small headroom, so a run never
bursts past the vendor's per-minute limit however many sink threads are draining.

Where the vendor reports what is left of a budget it shares with other integrations
(Connectif's `X-RateLimit-Remaining` / `X-RateLimit-Reset`), `observe_budget` spreads the
calls left from now to the reset; callers already waiting are moved with every new answer (a
fuller budget brings them forward), and at the reset our own pace applies again.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
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
    """Thread-safe pacer: at most `max_requests_per_minute`, evenly spaced, first come first served.

    Callers queue in arrival order. A caller's slot is worked out from the last slot given
    out (not from slots other waiters were promised), and again whenever what it depends on
    changes: a slot given out, a hold-off, a budget the vendor reports. So a fuller budget or
    the end of a budget window brings the waiting callers forward at once, and a hold-off
    pushes them back.
    """

    def __init__(
        self,
        max_requests_per_minute: float,
        *,
        headroom: float = HEADROOM,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] | None = None,
        shared: SharedBudget | None = None,
    ) -> None:
        """Pace at `max_requests_per_minute` less `headroom`.

        `clock` and `sleep` are for tests (a fake clock); by default a waiting caller sleeps on
        a condition, so that a change in the schedule wakes it early.
        """
        if max_requests_per_minute <= 0:
            raise ValueError("max_requests_per_minute must be positive")
        self.max_requests_per_minute = max_requests_per_minute
        self.interval = 60.0 / (max_requests_per_minute * (1.0 - headroom))
        self._clock = clock
        self._sleep = sleep
        self._changed = threading.Condition(threading.Lock())
        #: Callers waiting for a slot, first come first served.
        self._queue: deque[object] = deque()
        self._last_granted = -math.inf
        #: While the vendor's reported budget lasts (until its window resets), at most one call
        #: every `_budget_interval` seconds.
        self._budget_interval = 0.0
        self._budget_until = -math.inf
        #: Until when the vendor told us to send nothing (a 429, no budget left).
        self._held_until = -math.inf
        #: Time during which at least one caller waited for its slot: overlapping waits of several
        #: threads count once, so it never exceeds the run's duration.
        self.waited_seconds = 0.0
        self._waits_counted_until = -math.inf
        self.granted = 0
        #: The account's budget shared with other processes and hosts, taken after our own pacing.
        self.shared = shared

    def acquire(self) -> float:
        """Block until this caller's slot comes; return the seconds waited."""
        me = object()
        with self._changed:
            self._queue.append(me)
            try:
                granted_at, waited = self._wait_for_turn(me)
            except BaseException:
                self._queue.remove(me)
                self._changed.notify_all()
                raise
            self._queue.popleft()
            self._last_granted = granted_at
            self.granted += 1
            if waited > 0:
                # Callers are granted in slot order: the part of this wait not already counted.
                self.waited_seconds += max(granted_at - max(granted_at - waited, self._waits_counted_until), 0.0)
                self._waits_counted_until = max(self._waits_counted_until, granted_at)
            self._changed.notify_all()
        if self.shared is not None:
            waited += self.shared.acquire()
        return waited

    def _wait_for_turn(self, me: object) -> tuple[float, float]:
        """Wait (lock held) until `me` is first in the queue and its slot has come: `(slot, waited)`."""
        started = reached = self._clock()
        # The slot this caller last slept toward: a thread wakes a few ms late, and granting it the
        # time it woke instead would start every following interval late (the run drifts behind the
        # pace by that much per call). Only a slot still ahead of the clock is moved to `now`.
        target = math.inf
        while True:
            now = self._clock()
            reached = max(reached, now)
            slot = self._slot(self._queue.index(me), min(now, target))
            if slot <= reached:
                if self._queue[0] is me:
                    return slot, max(slot - started, 0.0)
                self._changed.wait()  # the callers ahead take their slots first
            elif self._sleep is None:
                target = slot
                if not self._changed.wait(slot - reached):
                    reached = slot  # nothing changed: the slot has come
            else:
                target = slot
                self._changed.release()
                try:
                    self._sleep(slot - reached)
                finally:
                    self._changed.acquire()
                reached = slot

    def _slot(self, position: int, now: float) -> float:
        """The slot of the caller at `position` in the queue, as things stand at `now` (lock held)."""
        slot = max(now, self._after(self._last_granted), self._held_until)
        for _ in range(position):
            slot = max(self._after(slot), self._held_until)
        return slot

    def _after(self, slot: float) -> float:
        """The earliest slot after one at `slot`: our own pace, and the vendor's budget until it resets."""
        following = slot + self.interval
        if slot < self._budget_until:
            following = max(following, min(slot + self._budget_interval, self._budget_until))
        return following

    def hold_off(self, seconds: float) -> None:
        """Give out no slot for `seconds` from now (the vendor said to wait, e.g. 429).

        Callers already waiting for a slot before then wait for a later one.
        """
        with self._changed:
            self._held_until = max(self._held_until, self._clock() + seconds)
            self._changed.notify_all()

    def observe_budget(self, remaining: int, reset_in_seconds: float) -> None:
        """The vendor says `remaining` calls are left until its window resets in `reset_in_seconds`.

        What is left (less `BUDGET_RESERVE`) is spread from now to the reset; with nothing
        left, no slot is given out before the reset. A later answer replaces the spread, so a
        fuller budget brings the waiting callers forward; at the reset our own pace applies again.
        """
        reset_in_seconds = max(reset_in_seconds, 0.0)
        usable = remaining - BUDGET_RESERVE
        with self._changed:
            now = self._clock()
            if usable <= 0:
                self._held_until = max(self._held_until, now + reset_in_seconds)
            else:
                self._budget_interval = reset_in_seconds / usable
                self._budget_until = now + reset_in_seconds
            self._changed.notify_all()

    def held_for(self) -> float:
        """Seconds left of a hold-off the vendor asked for (a 429, no budget left); 0 when none."""
        with self._changed:
            return max(self._held_until - self._clock(), 0.0)

    def seconds_for(self, calls: int) -> float:
        """How long `calls` requests take at this pace."""
        return calls * self.interval
