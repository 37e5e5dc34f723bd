"""Which answers are retried, and how long to wait before the next try.

The one place for retry policy: 429, 5xx, dropped connections and timeouts are retried
with exponential backoff and full jitter, or after exactly the time the server named in
`Retry-After` (seconds or an HTTP date).
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Generator, Mapping
from typing import Any

#: Longest wait we accept from a `Retry-After` header.
MAX_RETRY_AFTER_SECONDS = 3600.0


class RetryableError(Exception):
    """An attempt failed in a way that another attempt may fix."""

    def __init__(self, description: str, *, retry_after: float | None = None, status: int | None = None) -> None:
        super().__init__(description)
        self.description = description
        self.retry_after = retry_after
        self.status = status


def is_retryable_status(status: int) -> bool:
    """429 and every 5xx are worth another try."""
    return status == 429 or 500 <= status <= 599


def parse_retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or HTTP date), or None."""
    value = headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if math.isnan(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


def parse_rate_limit_budget(headers: Mapping[str, str], *, now: float | None = None) -> tuple[int, float] | None:
    """`(remaining, seconds until reset)` from `X-RateLimit-Remaining` / `X-RateLimit-Reset`, or None.

    `X-RateLimit-Reset` is read as Unix epoch seconds (Connectif's documented form); a value
    too small to be an epoch is read as seconds from now.
    """
    remaining_text = headers.get("X-RateLimit-Remaining")
    reset_text = headers.get("X-RateLimit-Reset")
    if remaining_text is None or reset_text is None:
        return None
    try:
        remaining = int(float(remaining_text.strip()))
        reset = float(reset_text.strip())
    except ValueError:
        return None
    if math.isnan(reset):
        return None
    if reset > 1_000_000_000:  # an epoch timestamp
        reset -= time.time() if now is None else now
    return remaining, min(max(reset, 0.0), MAX_RETRY_AFTER_SECONDS)


def retry_waits(
    *, base_seconds: float = 0.5, max_seconds: float = 60.0, rng: random.Random | None = None
) -> Generator[float, Any, None]:
    """A `backoff` wait generator: the server's `Retry-After` if given, else jittered expo.

    `backoff` sends the exception of the failed attempt into the generator.
    """
    rng = rng or random.Random()
    attempt = 0
    exc = yield 0.0
    while True:
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            wait = float(retry_after)
        else:
            wait = rng.uniform(0, min(max_seconds, base_seconds * 2**attempt))
        attempt += 1
        exc = yield wait
