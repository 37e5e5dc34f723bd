"""Connectif's Import API: a CSV per batch, posted as a multipart form, polled until it ends.

- CSV: UTF-8, header row of field ids, list fields `|`-separated; at most `max_bytes` per
  file (50 MB documented), less room for the form around it. Contacts and products are
  staged as one file per batch, filled up to that size (`staged_import.py`); other rows
  (coupons) are split into several imports here.
- At most 10 imports queued per account: on `E0401` wait for one of ours to end, then retry.
- `GET /imports/{id}` with growing intervals until `finished`, `error` or `cancelled`.
- Rows the import reports as failed (its error report, a CSV of the failed rows plus a
  reason column) come back as `(key, reason)`, with the rows themselves, so the sink can
  reject those records; an import that ends in `error` or `cancelled` fails the batch.
"""

from __future__ import annotations

import csv
import io
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import requests

from api_target_kit.batching import OversizedItem, chunk_by_size
from api_target_kit.delivery_kit import DeliveryKit
from api_target_kit.errors import DeliveryError, VendorError
from api_target_kit.polling import PollSchedule
from api_target_kit.staging_file import StreamedBody, multipart_body
from api_target_kit.url_safety import check_api_url
from target_connectif.payloads import csv_cell
from target_connectif.vendor_errors import error_code

FINISHED = "finished"
FAILED = ("error", "cancelled")
QUEUE_FULL = "E0401"
#: Column of the error report holding the vendor's reason (assumed: vendors/connectif.md §7.3).
REASON_COLUMN = "reason"


class ImportFailedError(DeliveryError):
    """An import ended in `error` or `cancelled`, or did not end in time."""


#: Room kept in `max_bytes` for the multipart form around the CSV (boundaries, part headers and
#: the form's fields take ≈ 450 bytes), so that the whole request is within the limit too.
FORM_ALLOWANCE = 1024


@dataclass(frozen=True)
class ImportOptions:
    """The import form's settings."""

    override_existing: bool = True
    update_only_empty_fields: bool = False
    max_bytes: int = 50_000_000
    poll: PollSchedule = field(default_factory=PollSchedule)

    @property
    def file_bytes(self) -> int:
        """The largest CSV file: `max_bytes` less `FORM_ALLOWANCE` (half of it under 2 KB)."""
        return max(self.max_bytes - FORM_ALLOWANCE, self.max_bytes // 2)


@dataclass
class ImportResult:
    """What one import did: its id, rows, and the failed rows' keys with the vendor's reason.

    `failed_rows` are those rows as the error report gives them (column -> cell, the reason
    left out), in the order of `failed`.
    """

    import_id: str
    total: int
    success: int
    failed: list[tuple[str, str]]
    failed_rows: list[dict[str, str]] = field(default_factory=list)


@dataclass
class ImportStats:
    """Imports and polls of the run, for the summary's benchmark line."""

    imports: int = 0
    polls: int = 0
    rows: int = 0
    queue_full_waits: int = 0

    def as_dict(self, per_record_calls: int) -> dict[str, Any]:
        """Figures for the summary: requests made against what one call per record would need."""
        requests_made = self.imports + self.polls + self.queue_full_waits
        return {
            "imports": self.imports,
            "polls": self.polls,
            "rows": self.rows,
            "requests": requests_made,
            "requests_one_per_record_would_need": per_record_calls,
            "records_per_request": round(self.rows / requests_made, 1) if requests_made else 0,
        }


class CsvLines:
    """One `csv.writer` for a whole import: `line(cells)` is one row, encoded (UTF-8, ending in a newline)."""

    def __init__(self) -> None:
        self._writer = csv.writer(self, lineterminator="\n")

    def write(self, line: str) -> str:
        """What the writer calls with each row's text: handed back by `writerow`."""
        return line

    def line(self, cells: Sequence[str]) -> bytes:
        """One row as CSV bytes.

        Cells without a comma, quote or line break (nearly all) are joined as they are: what
        the writer would write for them (it quotes only such cells, and a row of one empty cell).
        """
        text = ",".join(cells)
        if text and text.count(",") == len(cells) - 1 and '"' not in text and "\n" not in text and "\r" not in text:
            return (text + "\n").encode()  # UTF-8 (the default: a little faster than naming it)
        written: str = self._writer.writerow(cells)
        return written.encode("utf-8")


def csv_rows(records: Iterable[dict[str, Any]], columns: Sequence[str]) -> Iterator[bytes]:
    """Each record as one encoded CSV line, in `columns` order (one writer for all of them)."""
    lines = CsvLines()
    for record in records:
        yield lines.line([csv_cell(record.get(c)) for c in columns])


def columns_of(rows: Iterable[dict[str, Any]], first: str) -> list[str]:
    """The CSV header: the key column first, then every other field in order of appearance."""
    seen = {first: None}
    for row in rows:
        for name in row:
            seen.setdefault(name, None)
    return list(seen)


class ImportRunner:
    """Sends imports for one account, keeping within its queue, and waits for them."""

    def __init__(self, kit: DeliveryKit, options: ImportOptions, logger: logging.Logger) -> None:
        self.kit = kit
        self.options = options
        self.logger = logger
        self.stats = ImportStats()
        self._downloads = requests.Session()  # no credentials: the report URL is a signed download
        self._headers: dict[str, list[str]] = {}  # import id -> the columns of the file it was sent

    def run(
        self,
        kind: str,
        rows: Sequence[dict[str, Any]],
        key_column: str,
        *,
        oversized: Callable[[dict[str, Any], str], None],
        extra_form: dict[str, str] | None = None,
    ) -> list[ImportResult]:
        """Import `rows` (field id -> value) as `kind`, split by size; wait for every import to end."""
        columns = columns_of(rows, key_column)
        header = CsvLines().line(columns)
        encoded = zip(rows, csv_rows(rows, columns), strict=True)

        def files() -> Iterator[bytes]:
            for chunk in chunk_by_size(
                encoded, max_bytes=self.options.file_bytes, envelope_bytes=len(header), separator_bytes=0
            ):
                if isinstance(chunk, OversizedItem):
                    oversized(chunk.item, chunk.reason)
                    continue
                yield header + b"".join(line for _, line in chunk)

        return self.run_files(kind, files(), key_column, extra_form=extra_form)

    def run_files(
        self,
        kind: str,
        files: Iterable[bytes | StreamedBody],
        key_column: str,
        *,
        extra_form: dict[str, str] | None = None,
    ) -> list[ImportResult]:
        """Import each CSV file (header included; in memory, or streamed from disk) as `kind`; wait for every import to end.

        Files are started as `files` yields them (a full queue waits for our oldest import);
        the results come back in the order of the files.
        """
        pending: list[str] = []
        results: list[ImportResult] = []
        queue_deadline = self.options.poll.deadline()
        for body in files:
            while True:
                try:
                    pending.append(self._start(kind, body, extra_form))
                    break
                except VendorError as exc:
                    if error_code(exc) != QUEUE_FULL:
                        raise
                    self.stats.queue_full_waits += 1
                    if not pending:  # the queue is full of other integrations' imports
                        if queue_deadline():
                            raise ImportFailedError(
                                "Connectif's import queue stayed full (E0401: 10 imports queued by other "
                                f"integrations) for {self.options.poll.timeout_seconds:.0f}s; no STATE was emitted "
                                "for this batch. Rerun later, or raise import_timeout_seconds."
                            ) from None
                        time.sleep(self.options.poll.max_seconds)
                        continue
                    self.logger.info("Connectif import queue is full (E0401); waiting for import %s", pending[0])
                    results.append(self._await(pending.pop(0), key_column))
        body = b""  # the last file is not needed while its import is polled
        results.extend(self._await(import_id, key_column) for import_id in pending)
        return results

    def _start(self, kind: str, body: bytes | StreamedBody, extra_form: dict[str, str] | None) -> str:
        form = {
            "type": kind,
            "overrideExisting": _flag(self.options.override_existing),
            "updateOnlyEmptyFields": _flag(self.options.update_only_empty_fields and self.options.override_existing),
            "delimiter": ",",
            **(extra_form or {}),
        }
        if self.kit.dry_run:
            upload = body.read_all() if isinstance(body, StreamedBody) else body
            self.kit.record_dry_run("POST", "/imports/", form, upload=upload)
            self.kit.record_dry_run_polls("/imports/{id}", self.options.poll)
            return "dry-run"
        # The form is streamed (its file from disk when staged there), with its length: a retry re-reads it.
        file = body if isinstance(body, StreamedBody) else StreamedBody(len(body), lambda: [body])
        data, content_type = multipart_body(form, "file", f"{kind}.csv", "text/csv", file)
        response = self.kit.client.request(
            "POST", "/imports/", data=data, headers={"Content-Type": content_type}, endpoint="/imports/"
        )
        self.stats.imports += 1
        info = response.json()
        if not isinstance(info, dict) or not info.get("id"):
            raise DeliveryError(f"Connectif POST /imports/ answered without an import id: {response.text[:300]}")
        self.logger.info("Connectif import %s started (%s, %d bytes)", info["id"], kind, len(body))
        self._headers[str(info["id"])] = _header_of(body)
        return str(info["id"])

    def _await(self, import_id: str, key_column: str) -> ImportResult:
        if import_id == "dry-run":
            return ImportResult(import_id, 0, 0, [])
        schedule = self.options.poll
        next_interval, timed_out = schedule.intervals(), schedule.deadline()
        while True:
            time.sleep(next_interval())
            info = self.kit.client.request("GET", f"/imports/{import_id}", endpoint="/imports/{id}").json()
            self.stats.polls += 1
            status = str(info.get("status", ""))
            if status == FINISHED:
                rows = self._failed_rows(info) if int(info.get("errors") or 0) else []
                reason = self._reason_column(import_id, rows)
                failed = [(row.get(key_column) or "", row.pop(reason, "") or "no reason given") for row in rows]
                total = int(info.get("total") or 0)
                self.stats.rows += total
                return ImportResult(import_id, total, int(info.get("success") or 0), failed, rows)
            if status in FAILED:
                raise ImportFailedError(
                    f"Connectif import {import_id} ended with status {status!r}; nothing of this batch is confirmed "
                    "and no STATE was emitted for it. Rerun the pipeline: it resumes from the last STATE."
                )
            if timed_out():
                raise ImportFailedError(
                    f"Connectif import {import_id} did not finish within {schedule.timeout_seconds:.0f}s (last status "
                    f"{status!r}); no STATE was emitted for its batch. Rerun later, or raise import_timeout_seconds."
                )

    def _failed_rows(self, info: dict[str, Any]) -> list[dict[str, str]]:
        url = info.get("errorReportFileUrl")
        if not url:
            raise ImportFailedError(
                f"Connectif import {info.get('id')} reports {info.get('errors')} failed rows but no error report; "
                "those rows cannot be told apart, so the batch is not confirmed"
            )
        try:
            response = self._downloads.get(check_api_url(str(url)), timeout=self.kit.client.timeout_seconds)
        except requests.RequestException as exc:
            problem = f"the download failed ({type(exc).__name__}: no answer from the report's host)"
        else:
            if response.ok:
                reader = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
                return [
                    {name: cell for name, cell in row.items() if name is not None and cell is not None}
                    for row in reader
                ]
            problem = f"the download answered HTTP {response.status_code} {response.reason}".rstrip()
        raise ImportFailedError(
            f"Connectif import {info.get('id')} finished with {info.get('errors')} failed rows, but its error report "
            f"could not be read: {problem}. Without it the failed rows cannot be told apart, so nothing of this batch "
            "is confirmed and no STATE was emitted for it. The report is a signed link on Connectif's storage host "
            "that expires: check that this machine may reach that host (a proxy or firewall), then rerun the "
            "pipeline; it resumes from the last STATE and sends the batch again (imports upsert)."
        )

    def _reason_column(self, import_id: str, rows: list[dict[str, str]]) -> str:
        """The error report's reason column: `reason`, else the one column the uploaded file did not have.

        Connectif does not document the report's form (the `reason` column is assumed). When it
        has no `reason`, the column the report added to the uploaded header holds the reasons; when
        it added none, the rows are rejected with "no reason given" and a warning says so.
        """
        columns = list(rows[0]) if rows else []
        if not rows or REASON_COLUMN in columns:
            return REASON_COLUMN
        uploaded = set(self._headers.get(import_id, []))
        added = [name for name in columns if name not in uploaded]
        if added:
            if len(added) > 1:
                self.logger.warning(
                    "Connectif's error report of import %s has no %r column; taking the reasons from %r "
                    "(it also added %s)",
                    import_id,
                    REASON_COLUMN,
                    added[-1],
                    ", ".join(map(repr, added[:-1])),
                )
            return added[-1]
        message = (
            f"Connectif's error report of import {import_id} has no {REASON_COLUMN!r} column and no column the "
            "uploaded file did not have: its failed rows are rejected without Connectif's reason"
        )
        self.logger.warning(message)
        self.kit.report.add_detail("error_report_without_reasons", message)
        return REASON_COLUMN


def _header_of(body: bytes | StreamedBody) -> list[str]:
    """The column names of a CSV file's header row (read up to its first line only, when streamed)."""
    head = b""
    for piece in [body] if isinstance(body, bytes) else body:
        end = piece.find(b"\n")
        head += piece if end < 0 else piece[:end]  # not the rest of the piece (nor copies of it)
        if end >= 0:
            break
    first = head.decode("utf-8-sig")
    return next(csv.reader([first]), [])


def _flag(value: bool) -> str:
    return "true" if value else "false"
