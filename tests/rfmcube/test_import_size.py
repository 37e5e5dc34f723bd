"""target-rfmcube's imports: filled by bytes (no record cap by default), staged lean.

The end-to-end test runs the target against the sandbox; the others drive `PendingImport`
directly, as the sinks do (stage, drain when `is_full`), with a stand-in for Rfmcube that keeps
every request body.
"""

from __future__ import annotations

import json
import logging
import random
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pytest

from api_target_kit.delivery_kit import DeliveryKit
from api_target_kit.errors import VendorError
from api_target_kit.polling import PollSchedule
from target_rfmcube.customer_index import CustomerIndex
from target_rfmcube.payloads import customer_payload, order_payload, staged_customer
from target_rfmcube.pending_import import ImportOptions, PendingImport, StreamRecord
from target_rfmcube.target import TargetRfmcube

from .conftest import StartSandbox
from .harness import run_target, stream_messages
from .test_delivery import _customer, _order, _stored

DELETED = {"_sdc_deleted_at": "2025-03-01T00:00:00Z"}


def test_each_import_but_the_last_is_nearly_full_and_none_passes_the_limit(
    start_sandbox: StartSandbox, tmp_path: Path
) -> None:
    sandbox = start_sandbox()
    limit = 30_000
    customers = [_customer(n, notes="n" * (n % 40)) for n in range(500)]
    orders = [_order(n, n % 500) for n in range(700)]
    messages = [*stream_messages("customers", customers, key="id"), *stream_messages("orders", orders, key="id")]
    run = run_target(tmp_path, sandbox.base_url, messages, max_request_bytes=limit)
    assert run.returncode == 0, run.stderr[-2000:]
    imports = [r for r in sandbox.request_log() if r["path"].endswith("/import")]
    sizes = [r["bytes"] for r in imports]
    assert len(sizes) >= 6 and {r["status"] for r in imports} == {200}
    assert max(sizes) <= limit
    assert min(sizes[:-1]) >= 0.95 * limit, sizes
    stored_customers, stored_orders, orphans = _stored(sandbox)
    assert len(stored_customers) == 500 and len(stored_orders) == 700 and not orphans
    assert stored_customers["c7@example.it"]["notes"] == "n" * 7  # not erased by the stub its later orders used
    assert run.summary["streams"]["orders"]["sent"] == 700


def test_a_416_teaches_the_request_size_once_for_the_whole_run(start_sandbox: StartSandbox, tmp_path: Path) -> None:
    # The account takes 20,000 bytes a request while the target assumes 60,000: the first import
    # is refused near 60,000, the cap drops to 1/64 of that and doubles while requests pass, up
    # to half the refused size (about 30,000), which is refused too; from there on every request
    # of the run is cut at the largest accepted, under 15,000.
    sandbox = start_sandbox(max_request_bytes=20_000)
    customers = [_customer(n, notes="n" * (n % 40)) for n in range(1000)]
    orders = [_order(n, n % 1000) for n in range(300)]
    messages = [*stream_messages("customers", customers, key="id"), *stream_messages("orders", orders, key="id")]
    run = run_target(tmp_path, sandbox.base_url, messages, max_request_bytes=60_000)
    assert run.returncode == 0, run.stderr[-2000:]
    imports = [r for r in sandbox.request_log() if r["path"].endswith("/import")]
    refused = [r["bytes"] for r in imports if r["status"] == 416]
    accepted = [r["bytes"] for r in imports if r["status"] == 200]
    assert len(refused) == 2 and refused[0] > 30_000 and 20_000 < refused[1] <= 30_000, refused
    assert len(accepted) >= 10 and max(accepted) <= 15_000, accepted
    stored_customers, stored_orders, orphans = _stored(sandbox)
    assert len(stored_customers) == 1000 and len(stored_orders) == 300 and not orphans
    assert run.summary["streams"]["customers"]["sent"] == 1000


def test_a_limit_fifty_times_lower_than_assumed_costs_two_416s(start_sandbox: StartSandbox, tmp_path: Path) -> None:
    # Halving from 1,000,000 bytes down to 20,000 would cost a 416 at each of five or six levels.
    sandbox = start_sandbox(max_request_bytes=20_000)
    customers = [_customer(n, notes="n" * (n % 40)) for n in range(3000)]
    run = run_target(
        tmp_path, sandbox.base_url, stream_messages("customers", customers, key="id"), max_request_bytes=1_000_000
    )
    assert run.returncode == 0, run.stderr[-2000:]
    imports = [r for r in sandbox.request_log() if r["path"].endswith("/import")]
    statuses = [r["status"] for r in imports]
    assert statuses[0] == 416 and statuses.count(416) == 2, statuses
    settled = [r["bytes"] for r in imports[statuses.index(416, 1) + 1 :]]  # after the second 416
    assert len(settled) >= 10 and set(statuses[statuses.index(416, 1) + 1 :]) == {200}
    # More than half the real limit, but for the last pieces of the first (refused) import and of the run.
    assert max(settled) <= 20_000 and sum(size <= 10_000 for size in settled[:-1]) <= 1, settled
    assert len(_stored(sandbox)[0]) == 3000 and run.summary["streams"]["customers"]["sent"] == 3000


def test_no_record_cap_unless_batch_size_rows_is_set(tmp_path: Path) -> None:
    def options(**settings: Any) -> ImportOptions:
        config = {
            "api_key": "k",
            "api_url": "http://127.0.0.1:9",
            "rejects_path": str(tmp_path / "rejects.singer"),
            "customer_index_path": str(tmp_path / "customers.sqlite"),
            "ledger_path": str(tmp_path / "ledger.sqlite"),
            "quota_backend_url": "none",
            **settings,
        }
        return cast(ImportOptions, TargetRfmcube(config=config).pending_import.options)

    assert options().max_records is None
    assert options(batch_size_rows=50).max_records == 50

    capped = _Import(limit=50_000_000, max_records=50)
    capped.feed([("customers", _customer(n)) for n in range(120)])
    assert [body_count(body) for body in capped.rfmcube.imports] == [50, 50, 20]


def test_more_than_the_old_cap_of_100000_customers_fit_one_import() -> None:
    pending = _Import(limit=50_000_000)
    for n in range(100_001):
        pending.stage(
            "customers", {"email": f"{n}@x.it", "createdAt": "2025-01-02T10:00:00Z", "updatedAt": "2025-01-02"}
        )
        assert not pending.pending.is_full
    pending.pending.flush()
    assert [body_count(body) for body in pending.rfmcube.imports] == [100_001]
    assert pending.report.sent_calls == [("customers", 100_001)]  # counted once per stream per import


def test_imports_are_cut_by_bytes_at_least_95_percent_full() -> None:
    limit = 50_000
    pending = _Import(limit=limit)
    rng = random.Random(5)
    # The largest customer first: no later record can add more than one already seen.
    customers = [_customer(0, notes="x" * 200)] + [_customer(n, notes="x" * rng.randrange(200)) for n in range(1, 2000)]
    flushes = pending.feed([("customers", c) for c in customers])
    sizes = [len(body) for body in pending.rfmcube.imports]
    assert len(sizes) == flushes >= 6  # one request per drain, never one full and a tiny second one
    assert max(sizes) <= limit and min(sizes[:-1]) >= 0.95 * limit, sizes
    sent = [c["email"] for body in pending.rfmcube.imports for c in json.loads(body)["customers"]]
    assert sent == [c["email"] for c in customers]
    assert len(pending.report.sent_calls) == flushes and sum(n for _, n in pending.report.sent_calls) == 2000


def test_mixed_staging_stays_within_one_request_per_drain_and_accounts_for_every_record() -> None:
    limit = 20_000
    pending = _Import(limit=limit)
    known = [staged_customer({"email": f"c{n}@example.it", "id": f"C{n}"}) for n in range(100, 140)]
    pending.index.remember([[encoded[:head] for encoded, head in known]])
    rng = random.Random(11)
    steps: list[tuple[str, dict[str, Any]]] = [("customers", _customer(0, notes="x" * 300))]
    for _ in range(3000):
        roll = rng.random()
        n = rng.randrange(160)  # 100-139 are in the index, 140-159 unknown to Rfmcube
        if roll < 0.35:
            steps.append(("customers", _customer(n, notes="x" * rng.randrange(150))))
        elif roll < 0.38:
            steps.append(("customers", {**_customer(n), **DELETED}))
        else:
            steps.append(("orders", _order(rng.randrange(900), n)))
    flushes = pending.feed(steps)

    assert len(pending.rfmcube.imports) <= flushes
    assert all(len(body) <= limit for body in pending.rfmcube.imports)
    bodies = [json.loads(body) for body in pending.rfmcube.imports]
    for body in bodies:
        emails = [c["email"] for c in body["customers"]]
        assert len(emails) == len(set(emails))
    # Every staged record is sent, skipped (replaced, superseded) or deleted: none is lost or sent twice.
    nested = sum(len(c.get("orders", [])) for body in bodies for c in body["customers"])
    customers_sent = sum(1 for body in bodies for c in body["customers"] if c.get("firstname"))
    staged = {
        stream: sum(1 for s, r in steps if s == stream and "_sdc_deleted_at" not in r)
        for stream in ("customers", "orders")
    }
    assert customers_sent + pending.report.skipped_by_stream["customers"] == staged["customers"]
    assert nested + len(pending.rfmcube.merged) + pending.report.skipped_by_stream["orders"] == staged["orders"]
    assert dict(pending.sent_total()) == {"customers": customers_sent, "orders": nested + len(pending.rfmcube.merged)}


def test_a_staged_customer_keeps_neither_its_record_nor_its_payload() -> None:
    pending = _Import(limit=50_000_000)
    record = _Record(_customer(1, notes="a" * 100))
    alive = weakref.ref(record)
    pending.stage("customers", record)
    del record
    assert alive() is None
    # What stays in memory is the row's offset, length and stream, and the key; the payload is on disk.
    batch = pending.pending._batch
    row = batch.customers.get("c1@example.it")
    assert row == 0 and len(batch.customers) == 1
    payload = batch.payload_at(row)
    assert (payload["email"], payload["id"], payload["createdAt"], payload["updatedAt"]) == (
        "c1@example.it",
        "C1",
        "2025-01-02T10:00:00Z",
        "2025-01-03T10:00:00Z",
    )
    assert batch.file.size == batch.lengths[row] + 1  # the encoded customer and its comma


def test_a_lone_416_rejects_the_customer_and_its_orders_as_staged() -> None:
    pending = _Import(limit=50_000_000)
    pending.rfmcube.refuse = 1
    customer = _customer(1, createdAt="2025-06-01T12:30:00+02:00")
    pending.feed([("customers", customer), ("orders", _order(1, 1, amount="12.50"))])
    assert [(stream, record) for stream, record, _ in pending.rejects] == [
        ("customers", customer_payload(customer)),
        ("orders", order_payload(_order(1, 1, amount="12.50"))),
    ]
    assert all("(416)" in reason for _, _, reason in pending.rejects)
    assert pending.report.sent_calls == []


def test_a_customer_too_large_is_rejected_when_staged_and_one_grown_too_large_at_the_flush() -> None:
    pending = _Import(limit=3000)
    big = _customer(1, notes="x" * 3000)
    pending.stage("customers", big)
    assert pending.rejects[0][1] is big and "exceeds the vendor's request limit of 3000 bytes" in pending.rejects[0][2]
    # Staged without a drain in between: the customer with its orders passes the limit alone.
    for stream, record in [("customers", _customer(2)), *[("orders", _order(n, 2, notes="y" * 500)) for n in range(6)]]:
        pending.stage(stream, record)
    pending.pending.flush()
    assert [stream for stream, _, _ in pending.rejects[1:]] == ["customers"] + ["orders"] * 6
    assert pending.rejects[1][1]["email"] == "c2@example.it"
    assert pending.rfmcube.imports == []


# Stand-ins ------------------------------------------------------------------------------


class _Record(dict[str, Any]):
    """A record that can be referenced weakly (to see that staging does not keep it)."""


class _Response:
    def __init__(self, payload: Any) -> None:
        self.status_code = 200
        self._payload = payload

    def json(self) -> Any:
        return self._payload


@dataclass
class _Rfmcube:
    """Rfmcube as the client sees it: keeps each /import body; answers 416 to the next `refuse` imports."""

    imports: list[bytes] = field(default_factory=list)
    merged: list[bytes] = field(default_factory=list)
    refuse: int = 0

    def request(self, method: str, path: str, *, data: Any = None, **_: Any) -> _Response:
        if path == "/import":
            if self.refuse:
                self.refuse -= 1
                raise VendorError("too large", status=416, body="too large", method=method, path=path)
            self.imports.append(data if isinstance(data, bytes) else b"".join(data))  # a body streamed from disk
            return _Response({"processId": len(self.imports)})
        if path.startswith("/processes/"):
            customers = json.loads(self.imports[int(path.rsplit("/", 1)[1]) - 1])["customers"]
            orders = sum(len(c.get("orders", [])) for c in customers)
            counts = {"Customers": len(customers), "Orders": orders}
            data = {f"{kind}{name}": n for name, n in counts.items() for kind in ("processed", "total")}
            return _Response({"status": "completed", "data": data})
        if path == "/merge_order":
            self.merged.append(data)
        return _Response({})


@dataclass
class _Report:
    """The run report's calls `PendingImport` makes, kept."""

    sent_calls: list[tuple[str, int]] = field(default_factory=list)
    skipped_by_stream: dict[str, int] = field(default_factory=lambda: {"customers": 0, "orders": 0})
    details: dict[str, Any] = field(default_factory=dict)

    def sent(self, stream: str, count: int = 1) -> None:
        self.sent_calls.append((stream, count))

    def skipped(self, stream: str, reason: str, count: int = 1) -> None:
        self.skipped_by_stream[stream] += count

    def warn(self, stream: str, kind: str, count: int = 1) -> None:
        pass

    def deleted(self, stream: str, count: int = 1) -> None:
        pass

    def add_detail(self, key: str, value: Any) -> None:
        self.details[key] = value


@dataclass
class _Kit:
    report: _Report
    client: _Rfmcube
    dry_run: bool = False


class _Import:
    """A `PendingImport` fed as the sinks feed it, with what it sent, counted and rejected."""

    def __init__(self, *, limit: int, max_records: int | None = None) -> None:
        self.rfmcube = _Rfmcube()
        self.report = _Report()
        self.rejects: list[tuple[str, dict[str, Any], str]] = []
        self.index = CustomerIndex(None)
        options = ImportOptions(
            max_request_bytes=limit, max_records=max_records, poll=PollSchedule(first_seconds=0, max_seconds=0)
        )
        kit = cast(DeliveryKit, _Kit(self.report, self.rfmcube))
        self.pending = PendingImport(kit, self.index, options, logging.getLogger("test"))

    def sent_total(self) -> dict[str, int]:
        """Records counted as sent, per stream."""
        total: dict[str, int] = {}
        for stream, count in self.report.sent_calls:
            total[stream] = total.get(stream, 0) + count
        return total

    def stage(self, stream: str, record: dict[str, Any]) -> None:
        def reject(rejected: dict[str, Any], reason: str) -> None:
            self.rejects.append((stream, rejected, reason))

        source = StreamRecord(stream, record, reject)
        if "_sdc_deleted_at" in record:
            self.pending.add_customer_delete(source)
        elif stream == "customers":
            self.pending.add_customer(stream, record, reject)
        else:
            self.pending.add_order(source)

    def feed(self, records: list[tuple[str, dict[str, Any]]]) -> int:
        """Stage each record and drain when full, then drain the rest; return the number of drains."""
        drains = 0
        for stream, record in records:
            self.stage(stream, record)
            if self.pending.is_full:
                self.pending.flush()
                drains += 1
        if self.pending.size:
            self.pending.flush()
            drains += 1
        return drains


def body_count(body: bytes) -> int:
    """Customers in an /import body."""
    return len(json.loads(body)["customers"])


@pytest.fixture(autouse=True)
def _quiet_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
