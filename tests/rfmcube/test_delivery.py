"""target-rfmcube end to end: a real target process against the Rfmcube sandbox."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from api_target_kit.polling import ASSUMED_JOB_SECONDS, PollSchedule

from .conftest import StartSandbox
from .harness import KEY, load_demo, run_target, stream_messages

EXPECTED = json.loads((Path(__file__).resolve().parents[2] / "demo" / "expected.json").read_text())


def _customer(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"C{n}",
        "email": f"c{n}@example.it",
        "createdAt": "2025-01-02T10:00:00Z",
        "updatedAt": "2025-01-03T10:00:00Z",
        "firstname": f"Nome{n}",
        **extra,
    }


def _order(n: int, customer: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"O{n}",
        "customerEmail": f"c{customer}@example.it",
        "createdAt": "2025-02-01T10:00:00Z",
        "updatedAt": "2025-02-01T10:00:00Z",
        "amount": 10 + n,
        "status": "completed",
        "items": [{"item_id": n, "product_id": 7, "brand": "nike"}],
        **extra,
    }


def _stored(sandbox: Any) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """Customers by email, attached orders by id, orphan orders."""
    data = sandbox.snapshot()
    customers = {c["email"]: c for c in data["customers"]}
    orders = {str(o["id"]): o for c in data["customers"] for o in c.get("orders", [])}
    return customers, orders, data["orphan_orders"]


def test_demo_data_arrives_complete_in_one_run(start_sandbox: StartSandbox, tmp_path: Path) -> None:
    sandbox = start_sandbox()
    customers, orders = load_demo("customers"), load_demo("orders")
    messages = [
        *stream_messages("customers", customers, key="id", state_every=500),
        *stream_messages("orders", orders, key="id", state_every=1000),
        {"type": "STATE", "value": {"bookmarks": {"final": True}}},
    ]
    run = run_target(tmp_path, sandbox.base_url, messages)
    assert run.returncode == 0, run.stderr[-3000:]
    stored_customers, stored_orders, orphans = _stored(sandbox)
    assert len(stored_customers) == EXPECTED["sandbox"]["customers"]
    assert len(stored_orders) == EXPECTED["sandbox"]["orders"]
    assert len(orphans) == EXPECTED["sandbox"]["orphan_orders"]
    assert len(run.rejects) == EXPECTED["rejects"]
    assert run.states[-1] == {"bookmarks": {"final": True}}
    assert run.summary["streams"]["customers"]["deleted"] == EXPECTED["sandbox"]["deleted_customers"]
    # Orders travel nested in the bulk import; only the six guests need /merge_order.
    calls = run.summary["api"]["calls_by_endpoint"]
    assert calls["/merge_order"] == EXPECTED["sandbox"]["orphan_orders"]
    assert calls["/import"] == 1
    # Every valid source order is stored with its fields (dates in UTC, amount a number).
    valid = [o for o in orders if o.get("id") and o.get("createdAt") and isinstance(o.get("amount"), float)]
    for source in valid[:200]:
        stored = stored_orders.get(source["id"]) or next(o for o in orphans if o["id"] == source["id"])
        assert stored["amount"] == source["amount"]
        assert stored["items"] == source["items"]
        assert stored["createdAt"].endswith("Z")


def test_orders_of_a_later_run_nest_under_customers_loaded_before(start_sandbox: StartSandbox, tmp_path: Path) -> None:
    sandbox = start_sandbox()
    customers = [_customer(n) for n in range(30)]
    orders = [_order(n, n % 30) for n in range(90)] + [_order(900, 999)]  # one guest
    first = run_target(tmp_path, sandbox.base_url, stream_messages("customers", customers, key="id"))
    assert first.returncode == 0, first.stderr[-2000:]
    second = run_target(tmp_path, sandbox.base_url, stream_messages("orders", orders, key="id"))
    assert second.returncode == 0, second.stderr[-2000:]
    calls = second.summary["api"]["calls_by_endpoint"]
    assert calls["/import"] == 1
    assert calls["/merge_order"] == 1
    stored_customers, stored_orders, orphans = _stored(sandbox)
    assert len(stored_orders) == 90 and [o["id"] for o in orphans] == ["O900"]
    # The stub used to nest the orders did not erase the customer's other fields.
    assert stored_customers["c1@example.it"]["firstname"] == "Nome1"
    assert {o["id"] for o in stored_customers["c1@example.it"]["orders"]} == {"O1", "O31", "O61"}


def test_required_fields_reject_with_the_field_named_and_warnings_are_counted(
    start_sandbox: StartSandbox, tmp_path: Path
) -> None:
    sandbox = start_sandbox()
    customers = [_customer(1), {"email": "x@example.it", "updatedAt": "2025-01-01T00:00:00Z"}]
    orders = [
        _order(1, 1, status="5"),  # numeric status without label: warning
        _order(2, 1, status=None),  # no status: warning
        _order(3, 1, amount=0),  # amount <= 0: warning
        {**_order(4, 1), "amount": None},
        {k: v for k, v in _order(5, 1).items() if k != "customerEmail"},
    ]
    run = run_target(
        tmp_path,
        sandbox.base_url,
        [*stream_messages("customers", customers, key="email"), *stream_messages("orders", orders, key="id")],
    )
    assert run.returncode == 0, run.stderr[-2000:]
    reasons = sorted(r["record"]["_reject_reason"] for r in run.rejects)
    assert reasons == [
        "field 'amount' is null",
        "missing required field 'createdAt'",
        "missing required field 'customerEmail'",
    ]
    warnings = run.summary["streams"]["orders"]["warnings"]
    assert warnings["numeric status without statusLabel"] == 1
    assert warnings["order without status (Rfmcube treats it as UNDEFINED)"] == 1
    assert warnings["amount <= 0"] == 1
    _, stored_orders, _ = _stored(sandbox)
    assert sorted(stored_orders) == ["O1", "O2", "O3"]


def test_dates_become_utc_and_amounts_json_numbers(start_sandbox: StartSandbox, tmp_path: Path) -> None:
    sandbox = start_sandbox()
    customers = [_customer(1, createdAt="2025-06-01T12:30:00+02:00")]
    orders = [_order(1, 1, amount="12.50", createdAt="2025-06-02 08:00:00")]
    run = run_target(
        tmp_path,
        sandbox.base_url,
        [*stream_messages("customers", customers, key="id"), *stream_messages("orders", orders, key="id")],
    )
    assert run.returncode == 0, run.stderr[-2000:]
    stored_customers, stored_orders, _ = _stored(sandbox)
    assert stored_customers["c1@example.it"]["createdAt"] == "2025-06-01T10:30:00Z"
    assert stored_orders["O1"]["amount"] == 12.5
    assert stored_orders["O1"]["createdAt"] == "2025-06-02T08:00:00Z"


def test_source_deletes_remove_customers_and_order_deletes_are_skipped(
    start_sandbox: StartSandbox, tmp_path: Path
) -> None:
    sandbox = start_sandbox()
    load = [
        *stream_messages("customers", [_customer(1), _customer(2)], key="id"),
        *stream_messages("orders", [_order(1, 1), _order(2, 2)], key="id"),
    ]
    assert run_target(tmp_path, sandbox.base_url, load).returncode == 0
    deletes = [
        *stream_messages(
            "customers",
            [
                {**_customer(1), "_sdc_deleted_at": "2025-03-01T00:00:00Z"},
                {**_customer(77), "_sdc_deleted_at": "2025-03-01T00:00:00Z"},
            ],
            key="id",
        ),
        *stream_messages("orders", [{**_order(2, 2), "_sdc_deleted_at": "2025-03-01T00:00:00Z"}], key="id"),
    ]
    run = run_target(tmp_path, sandbox.base_url, deletes)
    assert run.returncode == 0, run.stderr[-2000:]
    stored_customers, stored_orders, _ = _stored(sandbox)
    assert sorted(stored_customers) == ["c2@example.it"]
    assert sorted(stored_orders) == ["O2"]
    assert run.summary["streams"]["customers"]["deleted"] == 2
    assert run.summary["streams"]["orders"]["skipped_by_reason"] == {
        "order delete: Rfmcube has no order delete endpoint": 1
    }


def test_a_416_splits_the_import_and_an_oversized_customer_is_rejected(
    start_sandbox: StartSandbox, tmp_path: Path
) -> None:
    sandbox = start_sandbox()
    sandbox.set_faults(sandbox.faults().from_dict({"fail_next": [{"status": 416, "path": "/import", "count": 1}]}))
    customers = [_customer(n) for n in range(20)] + [_customer(99, notes="x" * 5000)]
    run = run_target(
        tmp_path, sandbox.base_url, stream_messages("customers", customers, key="id"), max_request_bytes=4000
    )
    assert run.returncode == 0, run.stderr[-2000:]
    stored_customers, _, _ = _stored(sandbox)
    assert len(stored_customers) == 20
    assert [r["record"]["email"] for r in run.rejects] == ["c99@example.it"]
    assert "exceeds the vendor's request limit of 4000 bytes" in run.rejects[0]["record"]["_reject_reason"]
    imports = [r for r in sandbox.request_log() if r["path"].endswith("/import")]
    assert imports[0]["status"] == 416 and len(imports) >= 3


def test_dry_run_sends_nothing_and_emits_no_state(start_sandbox: StartSandbox, tmp_path: Path) -> None:
    sandbox = start_sandbox()
    messages = [
        *stream_messages("customers", [_customer(1), _customer(2)], key="id"),
        {"type": "STATE", "value": {"x": 1}},
    ]
    run = run_target(tmp_path, sandbox.base_url, messages, dry_run=True)
    assert run.returncode == 0, run.stderr[-2000:]
    assert sandbox.request_log() == []
    assert run.states == []
    written = [json.loads(line) for line in (tmp_path / "dry-run.jsonl").read_text().splitlines()]
    polls = PollSchedule(0.1, max_seconds=0.5).polls_for(ASSUMED_JOB_SECONDS)  # the harness's poll settings
    assert [w["path"] for w in written] == ["/import"] + ["/processes/{processId}"] * polls
    # The whole request body a real run sends, not a description of it.
    assert [c["email"] for c in written[0]["body"]["customers"]] == [_customer(1)["email"], _customer(2)["email"]]
    assert written[0]["body"]["overwriteDescriptors"] is False
    assert run.summary["dry_run"]["requests_a_real_run_would_make"] == 1 + polls
    assert run.summary["dry_run"]["of_which_polls"] == polls > 1
    assert run.summary["streams"]["customers"]["sent"] == 0
    assert run.summary["streams"]["customers"]["would_send"] == 2
    assert KEY not in (tmp_path / "dry-run.jsonl").read_text()


def test_import_flags_are_passed_to_rfmcube(start_sandbox: StartSandbox, tmp_path: Path) -> None:
    sandbox = start_sandbox()
    messages = [
        *stream_messages("customers", [_customer(1)], key="id"),
        *stream_messages("orders", [_order(1, 1)], key="id"),
    ]
    run = run_target(tmp_path, sandbox.base_url, messages, overwrite_descriptors=True, recalculate_stats=True)
    assert run.returncode == 0, run.stderr[-2000:]
    process = sandbox.snapshot()["processes"][0]
    assert process["flags"] == {"overwriteDescriptors": True, "triggerIntegrations": False, "recalculateStats": True}


def test_the_rejects_file_replays_once_the_cause_is_fixed(start_sandbox: StartSandbox, tmp_path: Path) -> None:
    sandbox = start_sandbox()
    messages = [
        *stream_messages("customers", [_customer(1)], key="id"),
        *stream_messages("orders", [_order(1, 1), {**_order(2, 1), "amount": "12,50"}], key="id"),
    ]
    first = run_target(tmp_path / "first", sandbox.base_url, messages)
    assert first.returncode == 0 and len(first.rejects) == 1
    fixed = (tmp_path / "first" / "rejects.singer").read_text(encoding="utf-8").replace('"12,50"', '"12.50"')
    replay = run_target(tmp_path / "replay", sandbox.base_url, [json.loads(line) for line in fixed.splitlines()])
    assert replay.returncode == 0, replay.stderr[-2000:]
    assert replay.rejects == []
    _, stored_orders, _ = _stored(sandbox)
    assert stored_orders["O2"]["amount"] == 12.5
    assert "_reject_reason" not in stored_orders["O2"]


def test_replaying_the_rejects_file_in_place_ends_and_keeps_both_files(
    start_sandbox: StartSandbox, tmp_path: Path
) -> None:
    sandbox = start_sandbox()
    messages = stream_messages("orders", [{**_order(1, 1), "amount": "12,50"}], key="id")
    # Its only record is rejected: max_rejected_ratio 1 keeps the exit code about the file alone.
    first = run_target(tmp_path, sandbox.base_url, messages, max_rejected_ratio=1)
    assert first.returncode == 0 and len(first.rejects) == 1
    rejects = tmp_path / "rejects.singer"
    # Replay the rejects file with the same rejects_path, without fixing it: the run must
    # end (it does not read its own new rejects) and the earlier file is kept aside.
    replay = subprocess.run(
        [sys.executable, "-m", "target_rfmcube", "--config", str(tmp_path / "config.json"), "--input", str(rejects)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert replay.returncode == 0, replay.stderr[-2000:]
    kept = list(tmp_path.glob("rejects.*.singer"))
    assert len(kept) == 1
    for path in (rejects, kept[0]):
        records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        assert [r["record"]["id"] for r in records if r["type"] == "RECORD"] == ["O1"]


def test_a_customer_deleted_by_id_alone_is_not_recreated_by_later_orders(
    start_sandbox: StartSandbox, tmp_path: Path
) -> None:
    sandbox = start_sandbox()
    assert (
        run_target(tmp_path, sandbox.base_url, stream_messages("customers", [_customer(1)], key="id")).returncode == 0
    )
    delete = {"id": "C1", "_sdc_deleted_at": "2025-03-01T00:00:00Z"}
    schema = {"type": "object", "properties": {"id": {"type": "string"}, "_sdc_deleted_at": {"type": "string"}}}
    run = run_target(tmp_path, sandbox.base_url, stream_messages("customers", [delete], key="id", schema=schema))
    assert run.returncode == 0, run.stderr[-2000:]
    later = run_target(tmp_path, sandbox.base_url, stream_messages("orders", [_order(1, 1)], key="id"))
    assert later.returncode == 0, later.stderr[-2000:]
    stored_customers, _, orphans = _stored(sandbox)
    assert stored_customers == {}
    assert [o["id"] for o in orphans] == ["O1"]


def test_orders_staged_before_their_customers_delete_are_not_sent(start_sandbox: StartSandbox, tmp_path: Path) -> None:
    sandbox = start_sandbox()
    messages = [
        *stream_messages("customers", [_customer(1), _customer(2)], key="id"),
        *stream_messages("orders", [_order(1, 1), _order(2, 1), _order(3, 2)], key="id"),
        *stream_messages("customers", [{**_customer(1), "_sdc_deleted_at": "2025-03-01T00:00:00Z"}], key="id"),
    ]

    run = run_target(tmp_path, sandbox.base_url, messages)

    assert run.returncode == 0, run.stderr[-2000:]
    stored_customers, stored_orders, orphans = _stored(sandbox)
    assert sorted(stored_customers) == ["c2@example.it"]
    assert sorted(stored_orders) == ["O3"] and not orphans
    assert not any(r["path"].endswith("/merge_order") for r in sandbox.request_log())
    assert run.summary["streams"]["orders"]["skipped_by_reason"] == {"superseded by a later delete of its customer": 2}
