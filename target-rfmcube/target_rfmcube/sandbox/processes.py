"""Import processes: created by ``POST /import``, advanced lazily, applied at completion.

Lifecycle: ``pending`` for the first quarter of ``process_seconds``, then ``running``, then
``completed`` (data applied) or ``failed`` (nothing applied) once ``process_seconds`` have passed.
While ``stall_imports`` is on, due processes stay ``running``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

PENDING = "pending"
RUNNING = "running"
COMPLETED = "completed"
FAILED = "failed"
PROCESS_TYPE = "IMPORT_CUSTOMERS_API"


def iso_utc(timestamp: float) -> str:
    """Format Unix time as ``YYYY-MM-DDTHH:MM:SSZ``."""
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def count_orders(customers: list[Any]) -> int:
    """Count the orders nested in an ``/import`` customers list (entries that are not lists count 0)."""
    total = 0
    for customer in customers:
        if isinstance(customer, dict) and isinstance(customer.get("orders"), list):
            total += len(customer["orders"])
    return total


@dataclass
class ImportProcess:
    """One import. ``payload`` is dropped once the process ends."""

    process_id: int
    started: float
    created_at: float
    updated_at: float
    total_customers: int
    total_orders: int
    will_fail: bool
    payload: list[Any] | None = field(default=None, repr=False)
    flags: dict[str, bool] = field(default_factory=dict)
    skip_first: bool = False
    status: str = PENDING
    processed_customers: int = 0
    processed_orders: int = 0

    @property
    def finished(self) -> bool:
        """Tell whether the status is ``completed`` or ``failed``."""
        return self.status in (COMPLETED, FAILED)

    def data(self) -> dict[str, int]:
        """Return the counters; processed ones stay 0 until completion."""
        return {
            "processedCustomers": self.processed_customers,
            "totalCustomers": self.total_customers,
            "processedOrders": self.processed_orders,
            "totalOrders": self.total_orders,
        }

    def to_api(self) -> dict[str, Any]:
        """Return the body of ``GET /processes/{id}``."""
        return {
            "processId": self.process_id,
            "createdAt": iso_utc(self.created_at),
            "updatedAt": iso_utc(self.updated_at),
            "status": self.status,
            "type": PROCESS_TYPE,
            "data": self.data(),
        }

    def to_admin(self) -> dict[str, Any]:
        """Return the entry for ``GET /_sandbox/data``."""
        return {
            "processId": self.process_id,
            "status": self.status,
            "data": self.data(),
            "flags": dict(self.flags),
        }


class ProcessRegistry:
    """All processes by id; ids keep increasing across resets so old ids never alias new ones."""

    def __init__(self) -> None:
        """Start empty, next id 1."""
        self._processes: dict[int, ImportProcess] = {}
        self._next_id = 1

    def create(
        self,
        customers: list[Any],
        *,
        will_fail: bool,
        now: float,
        wall: float,
        flags: dict[str, bool] | None = None,
        skip_first: bool = False,
    ) -> ImportProcess:
        """Register a new ``pending`` process for an ``/import`` payload."""
        process = ImportProcess(
            process_id=self._next_id,
            started=now,
            created_at=wall,
            updated_at=wall,
            total_customers=len(customers),
            total_orders=count_orders(customers),
            will_fail=will_fail,
            payload=customers,
            flags=dict(flags or {}),
            skip_first=skip_first,
        )
        self._processes[process.process_id] = process
        self._next_id += 1
        return process

    def get(self, process_id: int) -> ImportProcess | None:
        """Return the process with that id, if any."""
        return self._processes.get(process_id)

    def all(self) -> list[ImportProcess]:
        """Return every process, oldest first."""
        return list(self._processes.values())

    def advance(
        self,
        *,
        now: float,
        wall: float,
        process_seconds: float,
        stall: bool,
        apply: Callable[[list[Any]], tuple[int, int]],
    ) -> None:
        """Move processes along by elapsed monotonic time; ``apply`` loads a completed payload."""
        for process in self._processes.values():
            if process.finished:
                continue
            elapsed = now - process.started
            if elapsed >= process_seconds and not stall:
                if process.will_fail:
                    process.status = FAILED
                else:
                    payload = process.payload or []
                    done = apply(payload[1:] if process.skip_first else payload)
                    process.processed_customers, process.processed_orders = done
                    process.status = COMPLETED
                process.payload = None
                process.updated_at = wall
            elif process.status == PENDING and elapsed >= process_seconds / 4:
                process.status = RUNNING
                process.updated_at = wall

    def status_counts(self) -> dict[str, int]:
        """Count the processes in each status."""
        return dict(Counter(p.status for p in self._processes.values()))

    def clear(self) -> None:
        """Forget every process (the id counter is kept)."""
        self._processes.clear()
