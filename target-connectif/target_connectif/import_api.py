"""Connectif's Import API: a CSV per batch, posted as a multipart form, polled until it ends.

- CSV: UTF-8, header row of field ids, list fields `|`-separated; at most `max_bytes` per
  file (50 MB documented), larger batches are split into several imports.
- At most 10 imports queued per account: on `E0401` wait for one of ours to end, then retry.
- `GET /imports/{id}` with growing intervals until `finished`, `error` or `cancelled`.
- Rows the import reports as failed (its error report, a CSV of the failed rows plus a
  reason column) come back as `(key, reason)` so the sink can reject those records; an
  import that ends in `error` or `cancelled` fails the batch.
"""

from __future__ import annotations

import csv
import io
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import requests

from api_target_kit.batching import OversizedItem, chunk_by_size
from api_target_kit.delivery_kit import DeliveryKit
from api_target_kit.errors import DeliveryError, VendorError
from api_target_kit.polling import PollSchedule
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


@dataclass(frozen=True)
class ImportOptions:
    """The import form's settings."""

    override_existing: bool = True
    update_only_empty_fields: bool = False
    max_bytes: int = 50_000_000
    poll: PollSchedule = field(default_factory=PollSchedule)


@dataclass
class ImportResult:
    """What one import did: its id, rows, and the failed rows' keys with the vendor's reason."""

    import_id: str
    total: int
    success: int
    failed: list[tuple[str, str]]


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


def csv_rows(records: Iterable[dict[str, Any]], columns: Sequence[str]) -> Iterable[bytes]:
    """Each record as one encoded CSV line, in `columns` order."""
    for record in records:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow([csv_cell(record.get(c)) for c in columns])
        yield buffer.getvalue().encode("utf-8")


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
        header = next(iter(csv_rows([{c: c for c in columns}], columns)))
        encoded = zip(rows, csv_rows(rows, columns), strict=True)
        pending: list[tuple[str, int]] = []
        results: list[ImportResult] = []
        queue_deadline = self.options.poll.deadline()
        for chunk in chunk_by_size(
            encoded, max_bytes=self.options.max_bytes, envelope_bytes=len(header), separator_bytes=0
        ):
            if isinstance(chunk, OversizedItem):
                oversized(chunk.item, chunk.reason)
                continue
            body = header + b"".join(line for _, line in chunk)
            while True:
                try:
                    pending.append((self._start(kind, body, extra_form), len(chunk)))
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
                    self.logger.info("Connectif import queue is full (E0401); waiting for import %s", pending[0][0])
                    results.append(self._await(pending.pop(0)[0], key_column))
        results.extend(self._await(import_id, key_column) for import_id, _ in pending)
        return results

    def _start(self, kind: str, body: bytes, extra_form: dict[str, str] | None) -> str:
        form = {
            "type": kind,
            "overrideExisting": _flag(self.options.override_existing),
            "updateOnlyEmptyFields": _flag(self.options.update_only_empty_fields and self.options.override_existing),
            "delimiter": ",",
            **(extra_form or {}),
        }
        if self.kit.dry_run:
            self.kit.record_dry_run("POST", "/imports/", {**form, "file_bytes": len(body)})
            return "dry-run"
        response = self.kit.client.request(
            "POST", "/imports/", data=form, files={"file": (f"{kind}.csv", body, "text/csv")}, endpoint="/imports/"
        )
        self.stats.imports += 1
        info = response.json()
        if not isinstance(info, dict) or not info.get("id"):
            raise DeliveryError(f"Connectif POST /imports/ answered without an import id: {response.text[:300]}")
        self.logger.info("Connectif import %s started (%s, %d bytes)", info["id"], kind, len(body))
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
                failed = self._failed_rows(info, key_column) if int(info.get("errors") or 0) else []
                total = int(info.get("total") or 0)
                self.stats.rows += total
                return ImportResult(import_id, total, int(info.get("success") or 0), failed)
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

    def _failed_rows(self, info: dict[str, Any], key_column: str) -> list[tuple[str, str]]:
        url = info.get("errorReportFileUrl")
        if not url:
            raise ImportFailedError(
                f"Connectif import {info.get('id')} reports {info.get('errors')} failed rows but no error report; "
                "those rows cannot be told apart, so the batch is not confirmed"
            )
        try:
            response = self._downloads.get(check_api_url(str(url)), timeout=self.kit.client.timeout_seconds)
            response.raise_for_status()
        except requests.RequestException as exc:
            raise ImportFailedError(
                f"Connectif import {info.get('id')}: its error report could not be read ({type(exc).__name__}); "
                "the batch is not confirmed"
            ) from None
        reader = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
        return [(row.get(key_column) or "", row.get(REASON_COLUMN) or "no reason given") for row in reader]


def _flag(value: bool) -> str:
    return "true" if value else "false"
