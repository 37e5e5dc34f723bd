"""What the vendor already confirmed, per entity key: the local record that makes actions fire once.

Some vendor calls are actions, not upserts: re-sending them creates a second order, a second
event, a second automation run. The ledger remembers, per entity and key, a digest of the
payload the vendor confirmed. When such a call is about to leave (its rate-limit slot granted,
see `PendingMark`) the key is written as *pending*; once the vendor confirmed, as *confirmed*. So after a crash (even `kill -9` between the vendor's answer
and our write) the next run knows which calls may have arrived: their keys are still pending,
and the sink checks at the vendor (or, where it cannot, says so) instead of sending blindly.
SQLite, one file per target, shared by its sinks.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from api_target_kit.json_payload import canonical_bytes
from api_target_kit.sqlite_file import open_sqlite

_BATCH = 500
PENDING = "pending"
CONFIRMED = "confirmed"


def payload_digest(payload: Any) -> str:
    """A stable digest of a JSON-ready payload (keys sorted)."""
    return hashlib.sha256(canonical_bytes(payload)).hexdigest()


class SentLedger:
    """entity, key -> digest of the payload the vendor confirmed (or a call that may have arrived)."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        #: True when this run created the ledger (a new machine, a lost file): it knows nothing yet.
        self.fresh = path is None or path == ":memory:" or not Path(path).exists()
        self._lock = threading.Lock()
        self._db = open_sqlite(
            path,
            "CREATE TABLE IF NOT EXISTS sent (entity TEXT NOT NULL, key TEXT NOT NULL, digest TEXT NOT NULL, "
            "state TEXT NOT NULL, at REAL NOT NULL, PRIMARY KEY (entity, key))",
        )

    def lookup(self, entity: str, keys: Iterable[str]) -> dict[str, str]:
        """Digests of those `keys` the vendor confirmed."""
        return {key: digest for key, (digest, state) in self._rows(entity, keys).items() if state == CONFIRMED}

    def pending(self, entity: str, keys: Iterable[str]) -> set[str]:
        """Those `keys` whose call was started but never confirmed (a crash, or an answer lost)."""
        return {key for key, (_, state) in self._rows(entity, keys).items() if state == PENDING}

    def intend(self, entity: str, digests: Mapping[str, str]) -> None:
        """Note calls about to be sent (a key already confirmed stays confirmed until `confirm`)."""
        self._write(
            "INSERT OR IGNORE INTO sent (entity, key, digest, state, at) VALUES (?, ?, ?, ?, ?)",
            entity,
            digests,
            PENDING,
        )

    def withdraw(self, entity: str, keys: Iterable[str]) -> None:
        """Drop the pending marks of calls that did not arrive after all (confirmed keys stay)."""
        with self._lock:
            self._db.executemany(
                "DELETE FROM sent WHERE entity = ? AND key = ? AND state = ?", [(entity, key, PENDING) for key in keys]
            )
            self._db.commit()

    def confirm(self, entity: str, digests: Mapping[str, str]) -> None:
        """Record payloads the vendor confirmed (call only after it did)."""
        self._write(
            "INSERT OR REPLACE INTO sent (entity, key, digest, state, at) VALUES (?, ?, ?, ?, ?)",
            entity,
            digests,
            CONFIRMED,
        )

    def forget(self, entity: str, keys: Iterable[str]) -> None:
        """Drop entries (the record was deleted at the vendor, or never arrived)."""
        with self._lock:
            self._db.executemany("DELETE FROM sent WHERE entity = ? AND key = ?", [(entity, key) for key in keys])
            self._db.commit()

    def forget_prefix(self, prefix: str) -> int:
        """Drop every entry of the entities whose name starts with `prefix`; return how many."""
        with self._lock:
            cursor = self._db.execute("DELETE FROM sent WHERE substr(entity, 1, ?) = ?", (len(prefix), prefix))
            self._db.commit()
            return int(cursor.rowcount)

    def count(self, entity: str) -> int:
        """How many keys of `entity` are confirmed."""
        with self._lock:
            row = self._db.execute(
                "SELECT COUNT(*) FROM sent WHERE entity = ? AND state = ?", (entity, CONFIRMED)
            ).fetchone()
        return int(row[0])

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    def _rows(self, entity: str, keys: Iterable[str]) -> dict[str, tuple[str, str]]:
        wanted = list(dict.fromkeys(keys))
        found: dict[str, tuple[str, str]] = {}
        with self._lock:
            for start in range(0, len(wanted), _BATCH):
                part = wanted[start : start + _BATCH]
                marks = ",".join("?" * len(part))
                rows = self._db.execute(
                    f"SELECT key, digest, state FROM sent WHERE entity = ? AND key IN ({marks})", [entity, *part]
                )
                found.update((key, (digest, state)) for key, digest, state in rows)
        return found

    def _write(self, statement: str, entity: str, digests: Mapping[str, str], state: str) -> None:
        if not digests:
            return
        now = time.time()
        with self._lock:
            self._db.executemany(statement, [(entity, key, digest, state, now) for key, digest in digests.items()])
            self._db.commit()


class PendingMark:
    """The pending marks of one unsafe create, written when the call is about to leave.

    Passed to `ApiClient.request(..., mark=...)`: `sending` runs once the call has its
    rate-limit slot, right before the bytes go out (each attempt), and `not_sent` when an
    attempt was answered with an error or failed before anything was sent (the call will be
    sent again, or the run stops). A call that never left therefore leaves no pending mark, and
    a rerun after a crash sends it as new.
    """

    def __init__(self, ledger: SentLedger, entity: str, digests: Mapping[str, str]) -> None:
        self.ledger = ledger
        self.entity = entity
        self.digests = dict(digests)

    def sending(self) -> None:
        """The call is about to leave: mark its keys pending."""
        self.ledger.intend(self.entity, self.digests)

    def not_sent(self) -> None:
        """The attempt did not arrive: drop the pending marks (keys already confirmed stay)."""
        self.ledger.withdraw(self.entity, self.digests)
