"""Which customers Rfmcube already holds, so later orders can be nested under them.

An order can go through the bulk `/import` only nested under its customer. When the
customer was loaded earlier (in this run or an earlier one, e.g. a separate
`meltano run` of the customers stream), the index gives its identifying fields
(email, id, createdAt, updatedAt), and the order is sent nested under that stub
instead of one `/merge_order` call per order. SQLite, written only after Rfmcube
confirmed the import; deletes remove entries.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

_BATCH = 500


class CustomerIndex:
    """email key -> identifying fields of a customer Rfmcube confirmed."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path or ":memory:", check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS customers (email_key TEXT PRIMARY KEY, stub TEXT NOT NULL)")
        self._db.commit()

    def lookup(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Stubs of those `keys` that are in the index."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, dict[str, Any]] = {}
        with self._lock:
            for start in range(0, len(wanted), _BATCH):
                part = wanted[start : start + _BATCH]
                marks = ",".join("?" * len(part))
                rows = self._db.execute(f"SELECT email_key, stub FROM customers WHERE email_key IN ({marks})", part)
                found.update((key, json.loads(stub)) for key, stub in rows)
        return found

    def remember(self, stubs: Mapping[str, Mapping[str, Any]]) -> None:
        """Record confirmed customers."""
        with self._lock:
            self._db.executemany(
                "INSERT OR REPLACE INTO customers (email_key, stub) VALUES (?, ?)",
                [(key, json.dumps(stub, separators=(",", ":"))) for key, stub in stubs.items()],
            )
            self._db.commit()

    def forget(self, keys: Iterable[str]) -> None:
        """Drop deleted customers."""
        with self._lock:
            self._db.executemany("DELETE FROM customers WHERE email_key = ?", [(k,) for k in keys])
            self._db.commit()

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()
