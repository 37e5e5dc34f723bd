"""What happened in a run: per-stream counts, API usage, the end-of-run summary."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from api_target_kit.api_stats import ApiStats
from api_target_kit.rate_limit import RateLimiter

#: The status of a run that delivered what it could but rejected records whose outcome is unknown.
NEEDS_ATTENTION = "needs_attention"


@dataclass
class StreamTally:
    """Counts for one stream."""

    received: int = 0
    sent: int = 0
    deleted: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    warnings: Counter[str] = field(default_factory=Counter)
    #: In a dry run: records a real run would send or delete (`sent` and `deleted` stay 0).
    would_send: int = 0
    would_delete: int = 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (`would_send`/`would_delete` only in a dry run that had any)."""
        out: dict[str, Any] = {
            "received": self.received,
            "sent": self.sent,
            "deleted": self.deleted,
            "skipped": sum(self.skipped.values()),
            "skipped_by_reason": dict(self.skipped),
            "rejected": sum(self.rejected.values()),
            "rejected_by_reason": dict(self.rejected),
            "warnings": dict(self.warnings),
        }
        if self.would_send or self.would_delete:
            out.update(would_send=self.would_send, would_delete=self.would_delete)
        return out

    @property
    def settled(self) -> int:
        """Records with a final outcome (sent, deleted, skipped or rejected; in a dry run, would be sent)."""
        return (
            self.sent
            + self.deleted
            + self.would_send
            + self.would_delete
            + sum(self.skipped.values())
            + sum(self.rejected.values())
        )


class RunReport:
    """Thread-safe run counters, the summary (log line + `summary_path`) and progress."""

    def __init__(
        self,
        target_name: str,
        *,
        api: ApiStats,
        limiter: RateLimiter,
        summary_path: str | os.PathLike[str] | None = None,
        rejects_path: str | None = None,
        dry_run: bool = False,
        logger: logging.Logger | None = None,
    ) -> None:
        self.target_name = target_name
        self.api = api
        self.limiter = limiter
        self.summary_path = Path(summary_path) if summary_path else None
        self.rejects_path = rejects_path
        self.dry_run = dry_run
        self.logger = logger or logging.getLogger(target_name)
        self.started = time.monotonic()
        self.streams: dict[str, StreamTally] = {}
        self.details: dict[str, Any] = {}
        self.status = "running"
        self.error: str | None = None
        #: Per stream, rejected records that may have reached the vendor (see `outcome_unknown`).
        self.unknown_outcomes: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._finished = False
        #: Deliberate waits under way (see `waiting`): token -> (what, until).
        self._waits: dict[object, tuple[str, float]] = {}

    # Counting -----------------------------------------------------------------------

    def tally(self, stream: str) -> StreamTally:
        """The tally of `stream` (created on first use)."""
        with self._lock:
            return self._tally(stream)

    def _tally(self, stream: str) -> StreamTally:
        """`tally` for callers that already hold the lock."""
        tally = self.streams.get(stream)
        if tally is None:  # not `setdefault`: it would build a StreamTally on every call
            tally = self.streams[stream] = StreamTally()
        return tally

    def received(self, stream: str, count: int = 1) -> None:
        """Records read from the tap.

        Only the thread that reads the input counts them, once per record, so no lock is taken
        (a reader on another thread sees the count before or after an addition, never a torn one).
        """
        tally = self.streams.get(stream)
        if tally is None:
            tally = self.tally(stream)
        tally.received += count

    def sent(self, stream: str, count: int = 1) -> None:
        """Records the vendor confirmed (in a dry run: records a real run would send; nothing is sent)."""
        with self._lock:
            tally = self._tally(stream)
            if self.dry_run:
                tally.would_send += count
            else:
                tally.sent += count

    def deleted(self, stream: str, count: int = 1) -> None:
        """Source deletes the vendor confirmed (in a dry run: deletes a real run would send)."""
        with self._lock:
            tally = self._tally(stream)
            if self.dry_run:
                tally.would_delete += count
            else:
                tally.deleted += count

    def skipped(self, stream: str, reason: str, count: int = 1) -> None:
        """Records deliberately not sent (with the reason)."""
        with self._lock:
            self._tally(stream).skipped[reason] += count

    def rejected(self, stream: str, reason: str, count: int = 1) -> None:
        """Records written to the rejects file."""
        with self._lock:
            self._tally(stream).rejected[reason] += count

    def outcome_unknown(self, stream: str, count: int = 1) -> None:
        """Rejected records that may have reached the vendor (a run interrupted, an answer lost).

        They are not sent again, so that an action cannot run twice; someone has to check at
        the vendor, so a run that otherwise succeeded ends `needs_attention`.
        """
        with self._lock:
            self.unknown_outcomes[stream] += count

    def warn(self, stream: str, kind: str, count: int = 1) -> None:
        """Records delivered with a data-quality warning."""
        with self._lock:
            self._tally(stream).warnings[kind] += count

    def add_detail(self, key: str, value: Any) -> None:
        """Vendor-specific figures for the summary (for example import shortfalls)."""
        with self._lock:
            self.details[key] = value

    @property
    def total_rejected(self) -> int:
        """Rejected records over all streams."""
        with self._lock:
            return sum(sum(t.rejected.values()) for t in self.streams.values())

    # Summary ------------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        """The run summary as a JSON-ready dict."""
        elapsed = time.monotonic() - self.started
        with self._lock:
            streams = {name: tally.as_dict() for name, tally in sorted(self.streams.items())}
            details = dict(self.details)
            unknown = dict(sorted(self.unknown_outcomes.items()))
        return {
            "target": self.target_name,
            "status": self.status,
            "error": self.error,
            "dry_run": self.dry_run,
            "elapsed_seconds": round(elapsed, 3),
            "streams": streams,
            "api": {
                "calls": self.api.calls,
                "calls_by_endpoint": dict(self.api.calls_by_endpoint),
                "retries": self.api.retries,
                "rate_limited_429": self.api.rate_limited,
                "seconds_waited_rate_limit": round(self.limiter.waited_seconds, 3),
                "seconds_waited_retries": round(self.api.retry_wait_seconds, 3),
                "max_requests_per_minute": self.limiter.max_requests_per_minute,
                **self._shared_quota(),
            },
            "rejects_path": self.rejects_path,
            "needs_attention": unknown,
            **details,
        }

    def _shared_quota(self) -> dict[str, Any]:
        shared = self.limiter.shared
        if shared is None:
            return {}
        return {"shared_quota": shared.describe(), "seconds_waited_shared_quota": round(shared.waited_seconds, 3)}

    def finish(self, status: str, error: str | None = None) -> dict[str, Any]:
        """Log the summary and write `summary_path` (once; a later call changes nothing).

        A run that `succeeded` but rejected records whose outcome is unknown ends
        `needs_attention` (still exit 0), and its last log line says what to check.
        """
        with self._lock:
            if self._finished:
                return {}
            self._finished = True
            if status == "succeeded" and self.unknown_outcomes:
                status = NEEDS_ATTENTION
            self.status = status
            self.error = error
        summary = self.summary()
        self.logger.info("Run summary: %s", json.dumps(summary, sort_keys=True))
        if self.summary_path is not None:
            self.summary_path.parent.mkdir(parents=True, exist_ok=True)
            self.summary_path.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        if status == NEEDS_ATTENTION:
            self.logger.warning(self.attention_line())
        return summary

    def attention_line(self) -> str:
        """What to check after a run whose rejects include records that may have reached the vendor."""
        with self._lock:
            counts = sorted(self.unknown_outcomes.items())
        total = sum(count for _, count in counts)
        which = ", ".join(f"{count} {stream} record{'s' if count != 1 else ''}" for stream, count in counts)
        return (
            f"Needs attention: {which} rejected because {'they' if total != 1 else 'it'} may already have reached "
            "the vendor (an earlier run was interrupted, or an answer was lost); such records are not sent again, "
            "so that nothing runs twice. "
            f"Check at the vendor whether {'each' if total != 1 else 'it'} ran, and replay from {self.rejects_path} "
            "only what did not."
        )

    # Progress -----------------------------------------------------------------------

    @contextmanager
    def waiting(self, what: str, seconds: float) -> Iterator[None]:
        """Mark a wait made on purpose (e.g. `late-arrival check`): the progress line says so instead of an ETA."""
        token = object()
        with self._lock:
            self._waits[token] = (what, time.monotonic() + seconds)
        try:
            yield
        finally:
            with self._lock:
                self._waits.pop(token, None)

    def _waiting_text(self) -> str | None:
        """What the run is waiting for on purpose now, if anything (the longest wait of each kind)."""
        now = time.monotonic()
        with self._lock:
            waits = list(self._waits.values())
        left: dict[str, float] = {}
        for what, until in waits:
            left[what] = max(left.get(what, 0.0), until - now)
        parts = [f"{what} ({max(seconds, 0.0):.0f} s left)" for what, seconds in sorted(left.items())]
        held = self.limiter.held_for()
        if held > 0:
            parts.append(f"holding off for the vendor's rate limit (429 or no budget left) {held:.0f} s")
        return ", ".join(parts) or None

    def progress_line(self) -> str:
        """`records sent, rate, pending, ETA bounded by the rate limit` (or what it is waiting for on purpose)."""
        elapsed = max(time.monotonic() - self.started, 1e-6)
        with self._lock:
            received = sum(t.received for t in self.streams.values())
            settled = sum(t.settled for t in self.streams.values())
            sent = sum(t.sent + t.deleted + t.would_send + t.would_delete for t in self.streams.values())
        pending = max(received - settled, 0)
        rate = sent / elapsed
        calls = self.api.calls
        eta = pending / rate if rate > 0 else None
        if calls and sent:
            by_limit = pending / (sent / calls) * self.limiter.interval
            eta = max(eta or 0.0, by_limit)
        eta_text = _clock(eta) if eta is not None else "unknown"
        waiting = self._waiting_text()
        outlook = (
            f"waiting: {waiting}"
            if waiting
            else f"ETA {eta_text} at {self.limiter.max_requests_per_minute:g} requests/min"
        )
        done = "built (dry run)" if self.dry_run else "delivered"
        return f"progress: {sent:,} records {done} ({rate:,.1f}/s), {pending:,} pending, {calls:,} API calls, {outlook}"

    def start_progress(self, every_seconds: float) -> None:
        """Log `progress_line` every `every_seconds` until `finish` (daemon thread)."""
        if every_seconds <= 0:
            return

        def tick() -> None:
            while not self._finished:
                time.sleep(every_seconds)
                if not self._finished and self.streams:
                    self.logger.info(self.progress_line())

        threading.Thread(target=tick, name="progress", daemon=True).start()


def _clock(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
