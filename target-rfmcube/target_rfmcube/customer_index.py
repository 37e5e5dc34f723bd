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
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from api_target_kit.json_payload import dumps_text
from api_target_kit.sqlite_file import open_sqlite
from target_rfmcube.payloads import STUB_FIELDS, email_key

_BATCH = 500


class CustomerIndex:
    """email key -> identifying fields of a customer Rfmcube confirmed."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = open_sqlite(
            path,
            "CREATE TABLE IF NOT EXISTS customers (email_key TEXT PRIMARY KEY, customer_id TEXT, stub TEXT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS customers_by_id ON customers (customer_id)",
        )

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

    def remember(self, chunks: Iterable[Iterable[Mapping[str, Any]]]) -> None:
        """Record confirmed customers, given as chunks of their `/import` payloads (only `STUB_FIELDS` are kept).

        The chunks are gathered in a temporary table (on disk, like SQLite's sorter: memory stays
        bounded), then written in key order in one statement, so that each page of the index is
        visited once per call rather than once per chunk.
        """
        with self._lock:
            self._db.execute(
                "CREATE TEMP TABLE IF NOT EXISTS confirmed (email_key TEXT, customer_id TEXT, stub TEXT NOT NULL)"
            )
            for customers in chunks:
                self._db.executemany(
                    "INSERT INTO temp.confirmed (email_key, customer_id, stub) VALUES (?, ?, ?)",
                    [
                        (
                            email_key(customer.get("email")),
                            None if customer.get("id") is None else str(customer["id"]),
                            dumps_text(
                                {name: customer[name] for name in STUB_FIELDS if customer.get(name) is not None}
                            ),
                        )
                        for customer in customers
                    ],
                )
            self._db.execute(
                "INSERT OR REPLACE INTO customers (email_key, customer_id, stub) "
                "SELECT email_key, customer_id, stub FROM temp.confirmed ORDER BY email_key"
            )
            self._db.execute("DELETE FROM temp.confirmed")
            self._db.commit()

    def forget(self, *, email_key: str | None = None, customer_id: str | None = None) -> None:
        """Drop a deleted customer, found by email or by id (Rfmcube looks up id first)."""
        with self._lock:
            if customer_id is not None:
                self._db.execute("DELETE FROM customers WHERE customer_id = ?", (customer_id,))
            if email_key:
                self._db.execute("DELETE FROM customers WHERE email_key = ?", (email_key,))
            self._db.commit()

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()
