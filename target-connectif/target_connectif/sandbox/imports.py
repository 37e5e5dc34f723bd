"""Import jobs: created by ``POST /imports/``, advanced lazily, applied when they finish.

Lifecycle: ``queued`` for the first quarter of ``import_seconds``, then ``inProgress``, then
``finished`` (good rows applied, bad rows counted in ``errors`` and listed in the error report)
or ``error`` (nothing applied) once ``import_seconds`` have passed. While ``stall_imports`` is on,
due jobs stay ``inProgress``.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .csv_files import CsvFile
from .ids import IdMaker, iso_time
from .import_form import ImportOptions

QUEUED = "queued"
IN_PROGRESS = "inProgress"
FINISHED = "finished"
ERROR = "error"
REASON_COLUMN = "reason"
ERROR_REPORT_PATH = "/_files/import-errors/{id}.csv"
"""Where the error report of an import is served (no auth: a signed download URL in reality)."""


@dataclass(frozen=True)
class RowFailure:
    """A data row that was not applied, and why."""

    cells: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class ImportOutcome:
    """What applying an import's rows gave: how many were applied, and the failed ones."""

    success: int
    failures: list[RowFailure]


@dataclass
class ImportJob:
    """One import. ``file`` is dropped once the job ends.

    ``will_fail`` (the ``fail_imports`` fault) ends it in ``error``; ``skip_first`` (the
    ``short_imports`` fault) silently loses its first data row, counted neither as success nor error.
    """

    import_id: str
    import_type: str
    options: ImportOptions
    header: tuple[str, ...]
    total: int
    created_monotonic: float
    created_at: float
    will_fail: bool
    skip_first: bool = False
    file: CsvFile | None = field(default=None, repr=False)
    status: str = QUEUED
    success: int = 0
    errors: int = 0
    started_at: float | None = None
    finished_at: float | None = None
    failures: list[RowFailure] = field(default_factory=list)

    @property
    def active(self) -> bool:
        """Tell whether the job is ``queued`` or ``inProgress``."""
        return self.status in (QUEUED, IN_PROGRESS)

    def to_api(self, base_url: str) -> dict[str, Any]:
        """Return the ``Import`` resource; ``errorReportFileUrl`` is on ``base_url`` when rows failed."""
        body: dict[str, Any] = {
            "id": self.import_id,
            "type": self.import_type,
            "status": self.status,
            "total": self.total,
            "success": self.success,
            "errors": self.errors,
            "options": self.options.to_api(),
            "origin": "api",
            "createdAt": iso_time(self.created_at),
            "startedAt": None if self.started_at is None else iso_time(self.started_at),
            "finishedAt": None if self.finished_at is None else iso_time(self.finished_at),
        }
        if self.errors > 0:
            body["errorReportFileUrl"] = base_url + ERROR_REPORT_PATH.format(id=self.import_id)
        return body

    def to_admin(self) -> dict[str, Any]:
        """Return the entry for ``GET /_sandbox/data``: the resource plus the failed rows."""
        body = self.to_api("")
        body.pop("errorReportFileUrl", None)
        body["failedRows"] = [{"cells": list(f.cells), "reason": f.reason} for f in self.failures]
        return body

    def error_report(self, reason_column: str = REASON_COLUMN) -> bytes:
        """Return the error report: the header plus ``reason``, then each failed row plus its reason.

        It uses the import's delimiter; a row with too few or too many cells is padded or cut to
        the header's width so that ``reason`` is always the last column. An empty
        ``reason_column`` leaves the reasons out.
        """
        out = io.StringIO()
        writer = csv.writer(out, delimiter=self.options.delimiter)
        extra = [reason_column] if reason_column else []
        writer.writerow([*self.header, *extra])
        width = len(self.header)
        for failure in self.failures:
            cells = list(failure.cells[:width]) + [""] * (width - len(failure.cells))
            writer.writerow([*cells, *([failure.reason] if reason_column else [])])
        return out.getvalue().encode("utf-8")


class ImportRegistry:
    """All imports by id, oldest first; ids keep increasing across resets."""

    def __init__(self) -> None:
        """Start empty."""
        self._jobs: dict[str, ImportJob] = {}
        self._ids = IdMaker(head=0x66B0_0000)

    def create(
        self,
        import_type: str,
        options: ImportOptions,
        file: CsvFile,
        *,
        will_fail: bool,
        skip_first: bool,
        now: float,
        wall: float,
    ) -> ImportJob:
        """Register a new ``queued`` job for a checked CSV file."""
        job = ImportJob(
            import_id=self._ids.new(),
            import_type=import_type,
            options=options,
            header=file.header,
            total=len(file.rows),
            created_monotonic=now,
            created_at=wall,
            will_fail=will_fail,
            skip_first=skip_first,
            file=file,
        )
        self._jobs[job.import_id] = job
        return job

    def get(self, import_id: str) -> ImportJob | None:
        """Return the job with that id, if any."""
        return self._jobs.get(import_id)

    def all(self) -> list[ImportJob]:
        """Return every job, oldest first."""
        return list(self._jobs.values())

    def active_count(self) -> int:
        """Count the jobs ``queued`` or ``inProgress``."""
        return sum(1 for job in self._jobs.values() if job.active)

    def advance(
        self, *, now: float, wall: float, seconds: float, stall: bool, apply: Callable[[ImportJob], ImportOutcome]
    ) -> None:
        """Move jobs along by elapsed monotonic time, oldest first; ``apply`` loads a finishing job's rows."""
        for job in self._jobs.values():
            if not job.active:
                continue
            elapsed = now - job.created_monotonic
            if job.status == QUEUED and elapsed >= seconds / 4:
                job.status = IN_PROGRESS
                job.started_at = min(wall, job.created_at + seconds / 4)
            if elapsed < seconds or stall:
                continue
            if job.will_fail:
                job.status = ERROR
            else:
                outcome = apply(job)
                job.success, job.failures = outcome.success, outcome.failures
                job.errors = len(outcome.failures)
                job.status = FINISHED
            job.finished_at = wall
            job.file = None

    def status_counts(self) -> dict[str, int]:
        """Count the jobs in each status."""
        return dict(Counter(job.status for job in self._jobs.values()))

    def clear(self) -> None:
        """Forget every job (the id counter is kept)."""
        self._jobs.clear()
