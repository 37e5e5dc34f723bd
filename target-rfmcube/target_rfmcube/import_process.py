"""Rfmcube's asynchronous `/import`: send, then poll `/processes/{id}` until it ends."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from api_target_kit.errors import DeliveryError
from api_target_kit.http_client import ApiClient
from api_target_kit.polling import PollSchedule
from api_target_kit.staging_file import StreamedBody

DONE = "completed"
FAILED = ("failed", "error")
IN_PROGRESS = ("pending", "running")


class ImportFailedError(DeliveryError):
    """Rfmcube reported the import process as failed, or it did not end in time."""


@dataclass
class ProcessResult:
    """Counters of a completed import process."""

    process_id: Any
    processed_customers: int
    total_customers: int
    processed_orders: int
    total_orders: int

    @property
    def shortfall(self) -> dict[str, int]:
        """Customers and orders Rfmcube counted but did not process (normally none)."""
        return {
            "customers": max(self.total_customers - self.processed_customers, 0),
            "orders": max(self.total_orders - self.processed_orders, 0),
        }


def start_import(client: ApiClient, body: bytes | StreamedBody) -> Any:
    """POST the import; return its process id."""
    response = client.request("POST", "/import", data=body, endpoint="/import")
    payload = response.json()
    if not isinstance(payload, dict) or "processId" not in payload:
        raise DeliveryError(f"Rfmcube /import answered without a processId: {response.text[:300]}")
    return payload["processId"]


def await_process(
    client: ApiClient,
    process_id: Any,
    schedule: PollSchedule,
    logger: logging.Logger,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> ProcessResult:
    """Poll until `completed` (returned), `failed`/`error` or the timeout (raised)."""
    timed_out = schedule.deadline()
    next_interval = schedule.intervals()
    while True:
        sleep(next_interval())
        response = client.request("GET", f"/processes/{process_id}", endpoint="/processes/{id}")
        info = response.json()
        status = str(info.get("status", "")).lower()
        if status == DONE:
            data = info.get("data") or {}
            return ProcessResult(
                process_id,
                int(data.get("processedCustomers", 0)),
                int(data.get("totalCustomers", 0)),
                int(data.get("processedOrders", 0)),
                int(data.get("totalOrders", 0)),
            )
        if status in FAILED:
            raise ImportFailedError(
                f"Rfmcube import process {process_id} ended with status {status!r}; nothing of this batch "
                "is confirmed and no STATE was emitted for it. Rerun the pipeline: it resumes from the last STATE."
            )
        if status not in IN_PROGRESS:
            logger.warning("Rfmcube import process %s has unknown status %r; still waiting", process_id, status)
        if timed_out():
            raise ImportFailedError(
                f"Rfmcube import process {process_id} did not complete within {schedule.timeout_seconds:.0f}s "
                f"(last status {status!r}); no STATE was emitted for its batch. Rerun later, or raise "
                "import_timeout_seconds."
            )
