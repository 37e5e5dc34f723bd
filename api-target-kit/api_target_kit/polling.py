"""Waiting for a vendor's asynchronous job: growing intervals, because polls cost quota too."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Self


@dataclass
class PollSchedule:
    """Growing intervals between polls of one job, and how long to wait for it at most."""

    first_seconds: float = 1.0
    growth: float = 1.5
    max_seconds: float = 30.0
    timeout_seconds: float = 3600.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Self:
        """The schedule the `poll_settings` of a target's config describe."""
        return cls(
            first_seconds=float(config.get("poll_interval_seconds", 1.0)),
            max_seconds=float(config.get("poll_max_interval_seconds", 30.0)),
            timeout_seconds=float(config.get("import_timeout_seconds", 3600.0)),
        )

    def intervals(self) -> Callable[[], float]:
        """A function returning the next interval each time it is called."""
        current = [self.first_seconds / self.growth]

        def next_interval() -> float:
            current[0] = min(current[0] * self.growth, self.max_seconds)
            return current[0]

        return next_interval

    def deadline(self, clock: Callable[[], float] = time.monotonic) -> Callable[[], bool]:
        """A function telling whether `timeout_seconds` have passed since this call."""
        started = clock()
        return lambda: clock() - started > self.timeout_seconds
