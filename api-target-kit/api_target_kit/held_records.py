"""Batches that wait on disk for their prerequisites (a tap emits streams in its own order).

A sink whose entity needs another one first (purchases need their products) may see its
records before the prerequisite stream has even started: tap-postgres emits streams in name
order, so `order_purchases` comes before `products`. Sending them then would spend one refused
call per record. Such batches are held here instead, in an anonymous temporary file (removed by
the system when the process ends, however it ends), and delivered in their order once the
prerequisites have arrived and drained, or at the end of the input.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator
from typing import IO, Any


class HeldBatches:
    """The held batches of one sink, in arrival order, spooled to a temporary file.

    Batches are pickled (records hold `datetime` and `Decimal` values, which JSON would not
    give back as they were); the file is written and read only by this process.
    """

    def __init__(self) -> None:
        self._file: IO[bytes] | None = None
        #: Records held (upserts and deletes).
        self.records = 0
        self.batches = 0

    def __bool__(self) -> bool:
        return self.batches > 0

    def hold(self, batch: dict[str, Any]) -> None:
        """Append one batch (the SDK's batch context: `{"records": [...], "deletes": [...]}`) to the file."""
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="held-batches-")
        pickle.dump(batch, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self._file.flush()
        self.records += len(batch.get("records", ())) + len(batch.get("deletes", ()))
        self.batches += 1

    def release(self) -> Iterator[dict[str, Any]]:
        """The held batches in the order they were held, one at a time; the file is gone afterwards."""
        handle, self._file = self._file, None
        self.records = self.batches = 0
        if handle is None:
            return
        with handle:
            handle.seek(0)
            while True:
                try:
                    batch: dict[str, Any] = pickle.load(handle)  # noqa: S301 (our own file, written above)
                except EOFError:
                    return
                yield batch
