"""Counters of what the HTTP client did, shared by all sink threads."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class ApiStats:
    """API calls, retries, 429s and waiting time for one run."""

    calls: int = 0
    retries: int = 0
    rate_limited: int = 0
    retry_wait_seconds: float = 0.0
    calls_by_endpoint: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count_call(self, endpoint: str) -> None:
        """One request was sent (whatever its answer)."""
        with self._lock:
            self.calls += 1
            self.calls_by_endpoint[endpoint] += 1

    def count_retry(self, wait_seconds: float) -> None:
        """A request will be retried after `wait_seconds`."""
        with self._lock:
            self.retries += 1
            self.retry_wait_seconds += wait_seconds

    def count_429(self) -> None:
        """The vendor answered 429 (whether or not a retry follows)."""
        with self._lock:
            self.rate_limited += 1
