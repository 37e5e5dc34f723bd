"""An append-only journal with ids: events and automation runs (neither is ever deduplicated)."""

from __future__ import annotations

import copy
from typing import Any


class Journal:
    """Entries in arrival order, each given the next id; ids keep increasing across :meth:`clear`."""

    def __init__(self) -> None:
        """Start empty, next id 1."""
        self._entries: list[dict[str, Any]] = []
        self._next_id = 1

    def append(self, entry: dict[str, Any]) -> dict[str, Any]:
        """Store a copy of ``entry`` under the next id and return the stored entry (with ``id`` first)."""
        stored = {"id": self._next_id, **copy.deepcopy(entry)}
        self._next_id += 1
        self._entries.append(stored)
        return stored

    def __len__(self) -> int:
        """The number of entries."""
        return len(self._entries)

    def entries(self) -> list[dict[str, Any]]:
        """Copies of every entry, oldest first."""
        return copy.deepcopy(self._entries)

    def clear(self) -> None:
        """Forget every entry (ids keep increasing)."""
        self._entries.clear()
