"""Stopping a run that spends its request budget on calls the vendor keeps refusing the same way.

When every record of a stream is refused for one cause (products not loaded, a wrong list id,
contacts missing), each further call is a wasted slot of the account's budget: at 100 calls a
minute, 4,000 refused purchases cost 40 minutes. After `max_identical_refusals` refusals in a
row with the same vendor code, the run stops naming the cause.
"""

from __future__ import annotations

import threading

from api_target_kit.errors import DeliveryError

#: Default of `max_identical_refusals`.
DEFAULT_MAX_IDENTICAL_REFUSALS = 20


class RepeatedRefusalError(DeliveryError):
    """The vendor refused `max_identical_refusals` records of a stream in a row for the same cause."""


class RefusalStreak:
    """Per stream, the vendor's refusals in a row with one code; thread-safe."""

    def __init__(self, limit: int) -> None:
        #: 0 turns the check off.
        self.limit = limit
        self._streaks: dict[str, tuple[str, int]] = {}
        self._lock = threading.Lock()

    def accepted(self, stream: str) -> None:
        """The vendor took a record of `stream`: the streak ends."""
        if self._streaks:
            with self._lock:
                self._streaks.pop(stream, None)

    def refused(self, stream: str, code: str, reason: str, hint: str | None = None) -> None:
        """Count a refusal; raise `RepeatedRefusalError` when `limit` identical ones came in a row."""
        with self._lock:
            previous, count = self._streaks.get(stream, (code, 0))
            count = count + 1 if previous == code else 1
            self._streaks[stream] = (code, count)
        if self.limit and count >= self.limit:
            advice = f": {hint}" if hint else ""
            raise RepeatedRefusalError(
                f"{self.limit} records of {stream} in a row refused with {code}{advice}. "
                f"Stopped to spare the request budget; the last reason: {reason}"
            )
