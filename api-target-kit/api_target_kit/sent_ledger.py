"""What the vendor already confirmed, per entity key: the local record that makes actions fire once.

Some vendor calls are actions, not upserts: re-sending them creates a second order, a second
event, a second automation run. The ledger remembers, per entity and key, a digest of the
payload the vendor confirmed. It is written only after the vendor confirmed, so a crash
before that re-sends (at least once), and a crash after it never re-sends. SQLite, one file
per target, shared by its sinks.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

from api_target_kit.json_payload import dumps_bytes
from api_target_kit.sqlite_file import open_sqlite

_BATCH = 500


def payload_digest(payload: Any) -> str:
    """A stable digest of a JSON-ready payload (keys sorted)."""
    return hashlib.sha256(dumps_bytes(payload, sort_keys=True)).hexdigest()


class SentLedger:
    """entity, key -> digest of the payload the vendor confirmed."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = open_sqlite(
            path,
            "CREATE TABLE IF NOT EXISTS sent (entity TEXT NOT NULL, key TEXT NOT NULL, digest TEXT NOT NULL, "
            "confirmed_at REAL NOT NULL, PRIMARY KEY (entity, key))",
        )

    def lookup(self, entity: str, keys: Iterable[str]) -> dict[str, str]:
        """Digests of those `keys` the vendor confirmed earlier."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, str] = {}
        with self._lock:
            for start in range(0, len(wanted), _BATCH):
                part = wanted[start : start + _BATCH]
                marks = ",".join("?" * len(part))
                rows = self._db.execute(
                    f"SELECT key, digest FROM sent WHERE entity = ? AND key IN ({marks})", [entity, *part]
                )
                found.update(rows)
        return found

    def confirm(self, entity: str, digests: Mapping[str, str]) -> None:
        """Record payloads the vendor confirmed (call only after it did)."""
        if not digests:
            return
        now = time.time()
        with self._lock:
            self._db.executemany(
                "INSERT OR REPLACE INTO sent (entity, key, digest, confirmed_at) VALUES (?, ?, ?, ?)",
                [(entity, key, digest, now) for key, digest in digests.items()],
            )
            self._db.commit()

    def forget(self, entity: str, keys: Iterable[str]) -> None:
        """Drop entries (the record was deleted at the vendor)."""
        with self._lock:
            self._db.executemany("DELETE FROM sent WHERE entity = ? AND key = ?", [(entity, key) for key in keys])
            self._db.commit()

    def count(self, entity: str) -> int:
        """How many keys of `entity` are recorded."""
        with self._lock:
            row = self._db.execute("SELECT COUNT(*) FROM sent WHERE entity = ?", (entity,)).fetchone()
        return int(row[0])

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()
