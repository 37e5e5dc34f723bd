"""A batch of contacts or products staged as the import file it will be, filled up to its size.

A catalog sink's batch is bounded by the bytes of its CSV, not by a record count: each record's
row is encoded when it is staged, a running size is kept, and the sink is full when the next row
could take the file past `max_import_bytes` (Connectif: 50 MB), so that one import carries a
full file (≈ 410,000 contacts of ~120 bytes a row). What is kept per record is its encoded row,
in one growing buffer, and its key; the records themselves only while the batch may still go
record by record (below `bulk_threshold` upserts), and deletes.

The columns are those of the batch's rows, the key first, in order of appearance (as
`import_api.columns_of` picks them): a row encoded before a column appeared lacks that cell and
gets it, empty, when the file is written. A later record of a key replaces the earlier one's
row. Once the file is written only a sorted array of the keys' hashes is kept (to tell the
error report's rows from others); a row the import refuses comes back as a record from the
report's cells, typed by the stream's schema (`payloads.record_from_csv_row`).
"""

from __future__ import annotations

import csv
import io
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from api_target_kit.batching import OversizedItem
from api_target_kit.sent_ledger import SentLedger
from api_target_kit.unchanged import PREFIX, SkipUnchanged
from target_connectif.import_api import CsvLines
from target_connectif.payloads import csv_cell


class StagedImport:
    """One batch's import file: encoded rows, the key of each, and the size the file will have."""

    def __init__(self, key_column: str, max_bytes: int, *, keep_records_below: int) -> None:
        self.max_bytes = max_bytes
        self.columns: list[str] = [key_column]
        self._known = {key_column}
        self._value_columns: tuple[str, ...] = ()  # the columns after the key
        self._lines = CsvLines()
        self.header = self._lines.line(self.columns)
        self._rows = bytearray()
        self._starts = array("Q")  # row number -> where its bytes start in `_rows`
        self._widths = array("L")  # row number -> its cells (fewer than the columns: pad when written)
        #: key -> number of its row, in row order (a replaced key is removed, then added again).
        self.live: dict[str, int] = {}
        self._live_bytes = 0
        self._live_cells = 0
        self._largest_row = 0
        self._keep_records_below = keep_records_below
        #: key -> (record, JSON body) while the batch may still go record by record, else None.
        self.records: dict[str, tuple[dict[str, Any], dict[str, Any]]] | None = {} if keep_records_below > 0 else None
        #: key -> the delete record (deletes go one call each).
        self.deletes: dict[str, dict[str, Any]] = {}
        #: key -> digest of the record (only under `skip_unchanged`).
        self.digests: dict[str, str] = {}
        #: key -> the record as the tap sent it (only for streams with stream maps), for its reject.
        self.sources: dict[str, dict[str, Any]] = {}
        #: Once the files are written: the rows they hold, and the rows that alone no longer fit
        #: one (the header grew after they were staged) as column -> cell, with the reason.
        self.rows_written = 0
        self.unfit: list[tuple[dict[str, str], str]] = []
        self._key_hashes = array("q")

    # Staging --------------------------------------------------------------------------

    def add(self, key: str, key_text: str, body: dict[str, Any], record: dict[str, Any]) -> str | None:
        """Stage `body` (field id -> value) as the row of `key`; the reason if it cannot fit any file."""
        if not body.keys() <= self._known:
            for name in body:
                if name not in self._known:
                    self._add_column(name)
        get = body.get
        cells = [key_text]
        cells += [csv_cell(get(name)) for name in self._value_columns]
        line = self._lines.line(cells)
        size = len(line)
        if len(self.header) + size > self.max_bytes:
            return OversizedItem(key, len(self.header) + size, self.max_bytes).reason
        self.live[key] = len(self._starts)
        self._starts.append(len(self._rows))
        self._widths.append(len(cells))
        self._rows += line
        self._live_bytes += size
        self._live_cells += len(cells)
        self._largest_row = max(self._largest_row, size)
        if self.records is not None:
            if len(self.live) >= self._keep_records_below:
                self.records = None
            else:
                self.records[key] = (record, body)
        return None

    def drop(self, key: str) -> bool:
        """Forget the staged upsert or delete of `key` (a later record replaces it); True if there was one."""
        row = self.live.pop(key, None)
        if row is not None:
            end = self._starts[row + 1] if row + 1 < len(self._starts) else len(self._rows)
            self._live_bytes -= end - self._starts[row]
            self._live_cells -= self._widths[row]
            if self.records is not None:
                self.records.pop(key, None)
            self.digests.pop(key, None)
            self.sources.pop(key, None)
        return row is not None or self.deletes.pop(key, None) is not None

    def _add_column(self, name: str) -> None:
        self._known.add(name)
        self.columns.append(name)
        self._value_columns = tuple(self.columns[1:])
        self.header = self._lines.line(self.columns)

    # Size -----------------------------------------------------------------------------

    @property
    def file_bytes(self) -> int:
        """The size of the file the staged rows make: header, rows, and the cells rows lack."""
        padding = len(self.columns) * len(self.live) - self._live_cells
        return len(self.header) + self._live_bytes + padding

    @property
    def filled(self) -> bool:
        """True when a row as large as the largest so far could take the file past `max_bytes`."""
        return self.file_bytes + self._largest_row > self.max_bytes

    @property
    def kept_records(self) -> int:
        """Records kept whole: deletes, and upserts while the batch may go record by record."""
        return len(self.deletes) + (len(self.records) if self.records is not None else 0)

    # Writing the files ----------------------------------------------------------------

    def files(self) -> Iterator[bytes]:
        """The import file(s), header included: one, unless the rows no longer fit one (rare).

        The keys and the staged buffer are given up as the files are written (what is left is
        `holds`); rows that no longer fit any file are left in `unfit`.
        """
        width, size = len(self.columns), self.file_bytes
        self._key_hashes = array("q", sorted(map(hash, self.live)))
        order = array("Q", self.live.values())
        self.rows_written = len(order)
        self.live = {}
        self.records = None
        direct = len(order) == len(self._starts) and self._live_cells == width * len(order)
        if direct and size <= self.max_bytes:  # every row staged goes as it is
            body = self.header + self._rows
            self._rows = bytearray()
            yield body
            return
        yield from self._rewritten(order, width)

    def _rewritten(self, order: array[int], width: int) -> Iterator[bytes]:
        rows, self._rows = self._rows, bytearray()
        view = memoryview(rows)
        out = bytearray(self.header)
        for row in order:
            start = self._starts[row]
            end = self._starts[row + 1] if row + 1 < len(self._starts) else len(rows)
            padding = width - self._widths[row]
            size = end - start + padding
            if len(self.header) + size > self.max_bytes:
                cells = next(csv.reader(io.StringIO(bytes(view[start:end]).decode("utf-8"))))
                reason = OversizedItem(row, len(self.header) + size, self.max_bytes).reason
                self.unfit.append((dict(zip(self.columns, cells, strict=False)), reason))
                self.rows_written -= 1
                continue
            if len(out) + size > self.max_bytes:
                yield self._take(out)
            if padding:
                out += view[start : end - 1]
                out += b"," * padding + b"\n"
            else:
                out += view[start:end]
        view.release()
        del rows
        if len(out) > len(self.header):
            yield self._take(out)

    def _take(self, out: bytearray) -> bytes:
        """The file in `out`; `out` starts the next one (the header alone)."""
        body = bytes(out)
        out.clear()
        out += self.header
        return body

    def holds(self, key: str) -> bool:
        """True if a row of `key` was written (after `files`; a hash match, so almost surely)."""
        wanted = hash(key)
        at = bisect_left(self._key_hashes, wanted)
        return at < len(self._key_hashes) and self._key_hashes[at] == wanted

    # Unchanged records ----------------------------------------------------------------

    def remove(self, keys: Iterable[str]) -> None:
        """Take the upserts of `keys` out of the batch (unchanged since Connectif confirmed them)."""
        for key in keys:
            self.drop(key)


class StagedUnchanged(SkipUnchanged):
    """`skip_unchanged` for a staged import: digests taken at staging, compared at the drain."""

    def __init__(self, ledger: SentLedger | None, entity: str) -> None:
        super().__init__(ledger, entity)
        self._staged_ledger = ledger
        self._staged_entity = PREFIX + entity
        self._sending: dict[str, str] = {}

    def unchanged_keys(self, digests: Mapping[str, str]) -> set[str]:
        """Keys whose digest is the one Connectif confirmed; the others are remembered for `settle`."""
        if self._staged_ledger is None or not digests:
            return set()
        confirmed = self._staged_ledger.lookup(self._staged_entity, list(digests))
        same = {key for key, digest in digests.items() if confirmed.get(key) == digest}
        self._sending.update((key, digest) for key, digest in digests.items() if key not in same)
        return same

    def refused(self, key: str) -> None:
        """A staged record was rejected: it was not confirmed."""
        self._sending.pop(key, None)
        super().refused(key)

    def settle(self) -> None:
        """The batch is confirmed: record what was sent (and what the kit's own path staged)."""
        if self._staged_ledger is not None and self._sending:
            self._staged_ledger.confirm(self._staged_entity, self._sending)
        self._sending = {}
        super().settle()
