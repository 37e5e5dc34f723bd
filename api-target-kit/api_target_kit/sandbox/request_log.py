"""Log of API requests (admin requests are not logged) and the figures derived from it."""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass
from typing import Any


@dataclass
class RequestRecord:
    """One API request. ``status`` is ``None`` while in flight and for a dropped connection."""

    t: float
    method: str
    path: str
    bytes: int
    status: int | None = None
    injected: bool = False
    rate_limited: bool = False
    dropped: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready form, in the key order of ``GET /_sandbox/requests``."""
        data = dataclasses.asdict(self)
        return {
            key: data[key]
            for key in (
                "t",
                "method",
                "path",
                "status",
                "injected",
                "rate_limited",
                "bytes",
            )
        }


def _status_key(record: RequestRecord) -> str:
    if record.dropped:
        return "dropped"
    return "in_flight" if record.status is None else str(record.status)


class RequestLog:
    """Append-only list of :class:`RequestRecord`, cleared by a reset."""

    def __init__(self) -> None:
        """Start empty."""
        self._records: list[RequestRecord] = []

    def add(self, t: float, method: str, path: str, size: int) -> RequestRecord:
        """Log an arriving request and return its record so the outcome can be filled in later."""
        record = RequestRecord(t=t, method=method, path=path, bytes=size)
        self._records.append(record)
        return record

    def entries(self) -> list[dict[str, Any]]:
        """Return all records as dicts, oldest first."""
        return [record.to_dict() for record in self._records]

    def summary(self, max_in_window: int) -> dict[str, Any]:
        """Return totals for ``GET /_sandbox/summary``.

        ``by_status`` keys are status codes as strings, ``"dropped"`` for a closed connection and
        ``"in_flight"`` for a request not answered yet (for example a stalled one).
        """
        by_status = Counter(_status_key(r) for r in self._records)
        return {
            "total": len(self._records),
            "by_status": dict(sorted(by_status.items())),
            "injected": sum(1 for r in self._records if r.injected),
            "rate_limited": sum(1 for r in self._records if r.rate_limited),
            "max_in_window": max_in_window,
        }

    def clear(self) -> None:
        """Drop every record."""
        self._records.clear()
