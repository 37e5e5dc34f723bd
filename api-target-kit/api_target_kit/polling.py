"""Waiting for a vendor's asynchronous job: growing intervals, because polls cost quota too."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Self

#: How long a dry run assumes one asynchronous import takes, to count its polls. Neither Rfmcube
#: ("can take a long time") nor Connectif documents it; the sandboxes take well under a second,
#: real imports of full 50 MB files seconds to minutes. With the default schedule (1 s, growing
#: 1.5x) a 10 s job costs 5 polls: a real run of small imports polls less, of large ones more.
ASSUMED_JOB_SECONDS = 10.0


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

    def polls_for(self, job_seconds: float) -> int:
        """How many polls a job that takes `job_seconds` costs on this schedule (at least one).

        One poll after each interval, until the intervals add up to the job's time (or to the
        timeout, when the job would outlast it). For dry-run estimates.
        """
        next_interval = self.intervals()
        waited, polls = 0.0, 0
        while True:
            waited += next_interval()
            polls += 1
            if waited >= job_seconds or waited > self.timeout_seconds:
                return polls

    def deadline(self, clock: Callable[[], float] = time.monotonic) -> Callable[[], bool]:
        """A function telling whether `timeout_seconds` have passed since this call."""
        started = clock()
        return lambda: clock() - started > self.timeout_seconds
