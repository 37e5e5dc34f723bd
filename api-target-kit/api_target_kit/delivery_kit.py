"""One run's shared services, built once per target from its config."""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from api_target_kit.account_quota import AccountQuota
from api_target_kit.api_stats import ApiStats
from api_target_kit.dry_run import DryRunRecorder
from api_target_kit.errors import ConfigurationError, TooManyRejectsError
from api_target_kit.http_client import ApiClient
from api_target_kit.polling import ASSUMED_JOB_SECONDS, PollSchedule
from api_target_kit.rate_limit import RateLimiter
from api_target_kit.refusal_streak import DEFAULT_MAX_IDENTICAL_REFUSALS, RefusalStreak
from api_target_kit.rejects import RejectsWriter
from api_target_kit.routing import EntityRouter
from api_target_kit.run_report import RunReport
from api_target_kit.secrets import SecretRedactor
from api_target_kit.url_safety import check_api_url


class DeliveryKit:
    """The rate limit, HTTP client, rejects file, dry-run file and report of one run.

    Shared by all sinks and sink threads of a target instance.
    """

    def __init__(
        self,
        *,
        target_name: str,
        vendor: str,
        config: Mapping[str, Any],
        entities: Collection[str],
        auth_headers: Mapping[str, str],
        secrets: Collection[str | None],
        status_explanations: Mapping[int, str] | None = None,
        wait_after_bare_429: float | None = None,
        logger: logging.Logger,
    ) -> None:
        self.config = config
        self.logger = logger
        self.dry_run = bool(config.get("dry_run"))
        if not self.dry_run and not config.get("api_key"):
            raise ConfigurationError("api_key is required (set it, or run with dry_run: true)")
        self.redact = SecretRedactor(secrets)
        self.router = EntityRouter(entities, config.get("entities") or {}, config.get("unknown_streams", "fail"))
        self.limiter = RateLimiter(
            float(config["max_requests_per_minute"]),
            shared=None
            if self.dry_run
            else AccountQuota(
                vendor=vendor,
                api_key=str(config["api_key"]),
                max_requests_per_minute=float(config["max_requests_per_minute"]),
                backend_url=config.get("quota_backend_url"),
            ),
        )
        self.api_stats = ApiStats()
        self.client = ApiClient(
            vendor=vendor,
            base_url=check_api_url(str(config["api_url"])),
            headers=auth_headers,
            limiter=self.limiter,
            stats=self.api_stats,
            redact=self.redact,
            timeout_seconds=float(config.get("request_timeout_seconds", 60)),
            max_retries=int(config.get("max_retries", 8)),
            status_explanations=status_explanations,
            wait_after_bare_429=wait_after_bare_429,
            logger=logger,
        )
        self.rejects = RejectsWriter(config["rejects_path"], self.redact)
        self.dry_run_recorder = DryRunRecorder(config["dry_run_path"]) if self.dry_run else None
        self.max_rejected = config.get("max_rejected_records")
        limit = config.get("max_identical_refusals")
        self.refusals = RefusalStreak(DEFAULT_MAX_IDENTICAL_REFUSALS if limit is None else int(limit))
        self.report = RunReport(
            target_name,
            api=self.api_stats,
            limiter=self.limiter,
            summary_path=config.get("summary_path"),
            rejects_path=str(self.rejects.path),
            dry_run=self.dry_run,
            logger=logger,
        )
        self.report.start_progress(float(config.get("progress_interval_seconds", 10) or 0))
        self._in_flight = 0
        self._in_flight_lock = threading.Lock()

    @contextmanager
    def batch_in_flight(self) -> Iterator[None]:
        """Mark a batch as being delivered (see `ApiTarget._handle_termination`)."""
        with self._in_flight_lock:
            self._in_flight += 1
        try:
            yield
        finally:
            with self._in_flight_lock:
                self._in_flight -= 1

    @property
    def has_batch_in_flight(self) -> bool:
        """True while any sink is delivering a batch."""
        with self._in_flight_lock:
            return self._in_flight > 0

    def reject(
        self,
        stream: str,
        schema: dict[str, Any],
        record: dict[str, Any],
        reason: str,
        key_properties: list[str] | None = None,
        *,
        outcome_unknown: bool = False,
        counted_as: str | None = None,
    ) -> None:
        """Write `record` to the rejects file under `stream` and count it (under `counted_as`, else `stream`).

        A record of a stream with stream maps is written as the tap sent it, under the tap's
        stream name; it is counted under the stream its sink loads. `outcome_unknown`: the record
        may have reached the vendor (see `RunReport.outcome_unknown`).
        """
        reason = self.redact(reason)
        self.rejects.write(stream, schema, record, reason, key_properties)
        counted = counted_as or stream
        self.report.rejected(counted, reason_group(reason))
        if outcome_unknown:
            self.report.outcome_unknown(counted)
        self.logger.warning("Rejected a record of stream `%s`: %s", counted, reason)

    def check_reject_limit(self) -> None:
        """Raise when more records were rejected than `max_rejected_records` allows."""
        if self.max_rejected is not None and self.report.total_rejected > int(self.max_rejected):
            raise TooManyRejectsError(
                f"{self.report.total_rejected} records rejected, more than max_rejected_records="
                f"{self.max_rejected}; see {self.rejects.path}"
            )

    def record_dry_run(self, method: str, path: str, body: Any, *, upload: bytes | None = None) -> None:
        """Count and write a request a real run would send (its whole body; `upload`: the file it uploads)."""
        assert self.dry_run_recorder is not None
        self.dry_run_recorder.record(method, path, body, upload=upload)

    def record_dry_run_polls(self, path: str, schedule: PollSchedule) -> None:
        """Count and write the polls (`GET path`) a real run would make of one asynchronous job.

        As many as `schedule` makes for a job of `ASSUMED_JOB_SECONDS` (see `polling`).
        """
        assert self.dry_run_recorder is not None
        self.dry_run_recorder.record_polls(path, schedule.polls_for(ASSUMED_JOB_SECONDS))

    def dry_run_figures(self) -> dict[str, Any]:
        """What a real run would cost: requests (polls estimated) and minimum minutes at the rate limit."""
        recorder = self.dry_run_recorder
        requests = recorder.requests if recorder else 0
        figures: dict[str, Any] = {
            "requests_a_real_run_would_make": requests,
            "minimum_minutes_at_rate_limit": round(self.limiter.seconds_for(requests) / 60, 2),
            "dry_run_path": str(recorder.path) if recorder else None,
        }
        if recorder and recorder.polls:
            figures["of_which_polls"] = recorder.polls
            figures["polls_assume_each_import_takes_seconds"] = ASSUMED_JOB_SECONDS
        return figures

    def close(self) -> None:
        """Close files and connections."""
        self.rejects.close()
        if self.dry_run_recorder is not None:
            self.dry_run_recorder.close()
        self.client.close()


#: Longest reason key in the summary's `rejected_by_reason` (the rejects file has each in full).
REASON_KEY_MAX = 120


def reason_group(reason: str) -> str:
    """Group reasons for the summary: drop the record's value after the last colon; bound the length.

    A long reason is cut at a word boundary and ends with "...", never mid-word.
    """
    if reason.startswith("field '") and ": " in reason:
        reason = reason.rsplit(": ", 1)[0]
    if len(reason) <= REASON_KEY_MAX:
        return reason
    head = reason[: REASON_KEY_MAX - 3]
    cut = head.rsplit(" ", 1)[0] if " " in head else head
    return cut.rstrip(" ,;:(") + "..."
