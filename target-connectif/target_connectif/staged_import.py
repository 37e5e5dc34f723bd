"""A batch of contacts or products staged as the import file it will be, filled up to its size.

A catalog sink's batch is bounded by the bytes of its CSV, not by a record count: each record's
row is encoded when it is staged, a running size is kept, and the sink is full when the next row
could take the file past `max_import_bytes` (Connectif: 50 MB), so that one import carries a
full file (≈ 410,000 contacts of ~120 bytes a row). The rows are staged on disk: each record's
encoded row is appended to the batch's temporary file (`StagingFile`), and the import is
streamed from that file. What stays in memory per record is its row's length (`RowSpans`:
about 2 bytes) and its key in a `KeyIndex` (8 bytes); the records themselves only while the
batch may still go record by record (below `bulk_threshold` upserts), and deletes.

The columns are those of the batch's rows, the key first, in order of appearance (as
`import_api.columns_of` picks them): a row encoded before a column appeared lacks that cell and
gets it, empty, when the file is written. A later record of a key replaces the earlier one's
row: the earlier row stays in the staging file, dead, and the import file is then rewritten
(on disk) from the live rows. Once the file is being written only the keys' hashes are kept
(`KeyIndex.seal`: to tell the error report's rows from others); a row the import refuses comes
back as a record from the report's cells, typed by the stream's schema
(`payloads.record_from_csv_row`).
"""

from __future__ import annotations

import csv
import io
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import chain
from typing import Any, Protocol

from api_target_kit.batching import OversizedItem
from api_target_kit.key_index import KeyIndex
from api_target_kit.sent_ledger import SentLedger
from api_target_kit.staging_file import RowSpans, StagingFile, StreamedBody
from api_target_kit.unchanged import PREFIX, SkipUnchanged
from target_connectif.import_api import CsvLines
from target_connectif.payloads import csv_cell


class RecordRows(Protocol):
    """How records of an entity become rows straight from their fields (`payloads.ContactRows`)."""

    def sends(self, name: str) -> bool:
        """True if a record field of this name is a column when it has a value."""

    def encoder(self, columns: tuple[str, ...]) -> Callable[[dict[str, Any], str], list[str]]:
        """`cells(record, key_text)` for a file whose columns after the key are `columns`."""


class StagedImport:
    """One batch's import file: encoded rows, the key of each, and the size the file will have."""

    def __init__(
        self,
        key_column: str,
        max_bytes: int,
        *,
        keep_records_below: int,
        key_of_text: Callable[[str], str] = str.strip,
        rows: RecordRows | None = None,
    ) -> None:
        self.max_bytes = max_bytes
        #: How `add_record` makes a row (and the encoder of the current columns, made when used).
        self._record_rows = rows
        self._encode: Callable[[dict[str, Any], str], list[str]] | None = None
        self._key_of_text = key_of_text  # the key of a row's first cell (how the sink compares keys)
        self.columns: list[str] = [key_column]
        self._known = {key_column}
        #: Record fields that add no column: the columns, and fields `rows` never sends.
        self._seen = {key_column}
        self._value_columns: tuple[str, ...] = ()  # the columns after the key
        self._lines = CsvLines()
        self.header = self._lines.line(self.columns)
        self._rows = StagingFile()
        self._spans = RowSpans()  # row number -> where its bytes are in `_rows`
        #: Row numbers at which a column was added: a row has 1 cell + one per change at or before it
        #: (fewer than the columns: padded when written).
        self._column_added_at: list[int] = []
        #: key -> number of its live row (a replaced key's row is dead; its new row comes later).
        self.live = KeyIndex(self._key_at)
        self._live = 0  # `len(self.live)`, kept here: `full` asks after every record
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
        too_large = self._stage(key, cells)
        if too_large is None:
            records = self._kept_records()
            if records is not None:
                records[key] = (record, body)
        return too_large

    def add_record(
        self, key: str, key_text: str, record: dict[str, Any], body: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> str | None:
        """Stage `record` as the row of `key`, its cells straight from its fields (the `rows` given).

        The same row as `add` of `body(record)`: the fields `rows` sends that have a value are
        the body's, in the record's order. The body is made only while the batch may still go
        record by record.
        """
        rows = self._record_rows
        if rows is None:
            raise TypeError("add_record needs the StagedImport made with `rows`")
        if not record.keys() <= self._seen:
            for name, value in record.items():
                if name not in self._seen:
                    if not rows.sends(name):
                        self._seen.add(name)
                    elif value is not None:
                        self._add_column(name)
        encode = self._encode
        if encode is None:
            encode = self._encode = rows.encoder(self._value_columns)
        too_large = self._stage(key, encode(record, key_text))
        if too_large is None and self.records is not None:
            records = self._kept_records()
            if records is not None:
                records[key] = (record, body(record))
        return too_large

    def _stage(self, key: str, cells: list[str]) -> str | None:
        """Append the row of `cells` as the live row of `key`; the reason if it cannot fit any file."""
        line = self._lines.line(cells)
        size = len(line)
        if len(self.header) + size > self.max_bytes:
            return OversizedItem(key, len(self.header) + size, self.max_bytes).reason
        self.live.put(key, self._spans.append(size))
        self._live += 1
        self._rows.append(line)
        self._live_bytes += size
        self._live_cells += len(cells)
        self._largest_row = max(self._largest_row, size)
        return None

    def _kept_records(self) -> dict[str, tuple[dict[str, Any], dict[str, Any]]] | None:
        """Where records are kept while the batch may still go record by record (None once it may not)."""
        if self.records is not None and self._live >= self._keep_records_below:
            self.records = None
        return self.records

    def drop(self, key: str) -> bool:
        """Forget the staged upsert or delete of `key` (a later record replaces it); True if there was one."""
        row = self.live.pop(key)
        if row is not None:
            self._live -= 1
            self._live_bytes -= self._spans.length(row)
            self._live_cells -= self._width(row)
            if self.records is not None:
                self.records.pop(key, None)
            self.digests.pop(key, None)
            self.sources.pop(key, None)
        return row is not None or self.deletes.pop(key, None) is not None

    def _width(self, row: int) -> int:
        """The cells `row` was encoded with."""
        return 1 + bisect_right(self._column_added_at, row)

    def _key_at(self, row: int) -> str:
        """The key of `row`, read back from the staging file."""
        line = self._rows.read(self._spans.start(row), self._spans.length(row))
        return self._key_of_text(next(csv.reader(io.StringIO(line.decode("utf-8"))))[0])

    def _add_column(self, name: str) -> None:
        self._column_added_at.append(len(self._spans))
        self._known.add(name)
        self._seen.add(name)
        self.columns.append(name)
        self._value_columns = tuple(self.columns[1:])
        self._encode = None
        self.header = self._lines.line(self.columns)

    # Size -----------------------------------------------------------------------------

    @property
    def file_bytes(self) -> int:
        """The size of the file the staged rows make: header, rows, and the cells rows lack."""
        padding = len(self.columns) * self._live - self._live_cells
        return len(self.header) + self._live_bytes + padding

    @property
    def filled(self) -> bool:
        """True when a row as large as the largest so far could take the file past `max_bytes`."""
        return self.full(None)

    def full(self, kept_limit: int | None) -> bool:
        """`filled`, or (with `kept_limit`) `kept_records` at `kept_limit` or more.

        (Both written out: the sink asks this after every record.)
        """
        padding = len(self.columns) * self._live - self._live_cells
        if len(self.header) + self._live_bytes + padding + self._largest_row > self.max_bytes:
            return True
        if kept_limit is None:
            return False
        return len(self.deletes) + (len(self.records) if self.records is not None else 0) >= kept_limit

    @property
    def kept_records(self) -> int:
        """Records kept whole: deletes, and upserts while the batch may go record by record."""
        return len(self.deletes) + (len(self.records) if self.records is not None else 0)

    # Writing the files ----------------------------------------------------------------

    def files(self) -> Iterator[StreamedBody]:
        """The import file(s), header included: one, unless the rows no longer fit one (rare).

        Each is streamed from disk: the staged rows as they are when every row staged is live
        and complete, else a file rewritten from the live rows. A file is deleted once the
        next one is asked for (its import was sent); rows that no longer fit any file are left
        in `unfit`.
        """
        width, size = len(self.columns), self.file_bytes
        self.rows_written = len(self.live)
        self.records = None
        self.live.seal()  # from here on only `holds` asks about keys: the request reuses the index's memory
        rows = self._rows
        try:
            direct = self.rows_written == len(self._spans) and self._live_cells == width * self.rows_written
            if direct and size <= self.max_bytes:  # every row staged goes as it is
                header = self.header
                self._spans = RowSpans()  # not needed to send the file as it is
                yield StreamedBody(len(header) + rows.size, lambda: chain([header], rows.ranges([(0, rows.size)])))
                return
            yield from self._rewritten(width)
        finally:
            self.close()  # the key index refers back to this batch: no reference cycle left behind

    def _rewritten(self, width: int) -> Iterator[StreamedBody]:
        reader = self._rows.reader()
        out = self._new_file()
        try:
            for row, start, length in self._spans.spans(self.live.live_rows()):
                padding = width - self._width(row)
                size = length + padding
                if len(self.header) + size > self.max_bytes:
                    line = reader.read(start, length)
                    cells = next(csv.reader(io.StringIO(line.decode("utf-8"))))
                    reason = OversizedItem(row, len(self.header) + size, self.max_bytes).reason
                    self.unfit.append((dict(zip(self.columns, cells, strict=False)), reason))
                    self.rows_written -= 1
                    continue
                if out.size + size > self.max_bytes:
                    yield _file_body(out)
                    out.close()
                    out = self._new_file()
                line = reader.read(start, length)
                if padding:
                    out.append(line[:-1])
                    out.append(b"," * padding + b"\n")
                else:
                    out.append(line)
            self._spans = RowSpans()  # every row is read
            if out.size > len(self.header):
                yield _file_body(out)
        finally:
            out.close()

    def _new_file(self) -> StagingFile:
        """An import file holding the header alone."""
        out = StagingFile()
        out.append(self.header)
        return out

    def close(self) -> None:
        """Delete the staging file and let the key index go (also when the batch went record by record)."""
        self._rows.close()
        self.live.detach()

    def holds(self, key: str) -> bool:
        """True if a row of `key` was written (after `files`; a hash match, so almost surely)."""
        return self.live.has_hash_of(key)

    # Unchanged records ----------------------------------------------------------------

    def remove(self, keys: Iterable[str]) -> None:
        """Take the upserts of `keys` out of the batch (unchanged since Connectif confirmed them)."""
        for key in keys:
            self.drop(key)


def _file_body(file: StagingFile) -> StreamedBody:
    """The whole of `file` as a request body."""
    size = file.size
    return StreamedBody(size, lambda: file.ranges([(0, size)]))


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
