"""Connectif-style identifiers (24 hexadecimal digits, like MongoDB ObjectIds) and timestamps."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_time(wall: float) -> str:
    """Format Unix time as an ISO 8601 UTC date-time with milliseconds (``2024-01-31T10:00:00.000Z``)."""
    return datetime.fromtimestamp(wall, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class IdMaker:
    """Hands out distinct ids: a fixed 8-digit head, then a counter that never restarts."""

    def __init__(self, head: int = 0x65A0_0000) -> None:
        """Start the counter at 1 under ``head`` (8 hexadecimal digits)."""
        self._head = head
        self._next = 1

    def new(self) -> str:
        """Return the next id, such as ``65a00000000000000000002a``."""
        value = f"{self._head:08x}{self._next:016x}"
        self._next += 1
        return value
