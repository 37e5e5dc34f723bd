"""A stream shaped by stream maps: its rejects replay through the same config; a wrong map fails the run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .harness import run_target

STREAM = "public-orders"
SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": ["integer"]},
        "customerEmail": {"type": ["string", "null"]},
        "created_at": {"type": ["string", "null"], "format": "date-time"},
        "updated_at": {"type": ["string", "null"], "format": "date-time"},
        "amount": {"type": ["string", "null"]},
        "status": {"type": ["string", "null"]},
    },
}
RENAME = {"createdAt": "created_at", "created_at": "__NULL__", "updatedAt": "updated_at", "updated_at": "__NULL__"}


def _order(n: int, amount: str = "12.50") -> dict[str, Any]:
    return {
        "id": n,
        "customerEmail": f"buyer{n}@example.cz",
        "created_at": "2026-03-01T10:00:00+01:00",
        "updated_at": "2026-03-02T10:00:00+01:00",
        "amount": amount,
        "status": "completed",
    }


def _messages(*records: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"type": "SCHEMA", "stream": STREAM, "schema": SCHEMA, "key_properties": ["id"]},
        *({"type": "RECORD", "stream": STREAM, "record": r} for r in records),
    ]


def _read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_rejects_are_written_as_the_tap_sent_them_and_replay_through_the_same_maps(
    start_sandbox: Any, tmp_path: Path
) -> None:
    sandbox = start_sandbox()
    settings = {"entities": {STREAM: "orders"}, "stream_maps": {STREAM: RENAME}}

    first = run_target(
        tmp_path / "run", sandbox.base_url, _messages(_order(1), _order(2), _order(3, "twelve")), **settings
    )

    assert first.returncode == 0, first.stderr[-3000:]
    written = _read(tmp_path / "run" / "rejects.singer")
    assert written[0]["type"] == "SCHEMA" and written[0]["stream"] == STREAM
    assert "created_at" in written[0]["schema"]["properties"]
    assert "createdAt" not in written[0]["schema"]["properties"]
    assert written[0]["key_properties"] == ["id"]
    [reject] = first.rejects
    assert reject["stream"] == STREAM
    assert reject["record"]["created_at"] == "2026-03-01T10:00:00+01:00" and "createdAt" not in reject["record"]
    reason = reject["record"]["_reject_reason"]
    assert "amount" in reason

    # The file as it is, through the same configuration: the same reject, no map error.
    replay = run_target(tmp_path / "replay", sandbox.base_url, written, **settings)

    assert "MapExpressionError" not in replay.stderr and "Traceback" not in replay.stderr, replay.stderr[-3000:]
    assert [r["record"]["_reject_reason"] for r in replay.rejects] == [reason]
    assert replay.returncode == 1  # its only record rejected (max_rejected_ratio)

    # Fixed, it is delivered.
    fixed = [{**m, "record": {**m["record"], "amount": "12.00"}} if m["type"] == "RECORD" else m for m in written]
    delivered = run_target(tmp_path / "fixed", sandbox.base_url, fixed, **settings)

    assert delivered.returncode == 0, delivered.stderr[-3000:]
    assert delivered.rejects == []
    assert delivered.summary["streams"][STREAM]["sent"] == 1


def test_a_stream_whose_every_record_is_rejected_fails_naming_the_field_and_the_map(
    start_sandbox: Any, tmp_path: Path
) -> None:
    sandbox = start_sandbox()

    run = run_target(tmp_path, sandbox.base_url, _messages(*(_order(n) for n in range(5))), entities={STREAM: "orders"})

    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert "Stream 'public-orders': every record rejected" in run.stderr
    assert "missing required field 'createdAt'" in run.stderr
    assert '"createdAt": "created_at"' in run.stderr  # the stream map that fixes it
    assert run.summary["status"] == "failed"
    assert "public-orders" in run.summary["error"]
    assert len(run.rejects) == 5
    assert sandbox.summary()["orders"] == 0


def test_more_than_max_rejected_ratio_fails_a_stream_of_ten_or_more(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox()
    records = [_order(n, "twelve" if n < 6 else "12.00") for n in range(10)]
    settings = {"entities": {STREAM: "orders"}, "stream_maps": {STREAM: RENAME}}

    failed = run_target(tmp_path / "a", sandbox.base_url, _messages(*records), **settings)
    allowed = run_target(tmp_path / "b", sandbox.base_url, _messages(*records), max_rejected_ratio=0.7, **settings)

    assert failed.returncode == 1 and "6 of 10 records rejected" in failed.stderr, failed.stderr[-2000:]
    assert allowed.returncode == 0, allowed.stderr[-2000:]
    assert len(allowed.rejects) == 6


def test_two_tap_streams_mapped_to_one_sink_each_get_their_rejects_under_their_own_stream(
    start_sandbox: Any, tmp_path: Path
) -> None:
    # Two shops' order tables, aliased to one `orders` stream; a bad amount in each.
    sandbox = start_sandbox()
    shops = ("shop1-orders", "shop2-orders")
    schemas = {
        shop: {**SCHEMA, "properties": {**SCHEMA["properties"], f"{shop}_note": {"type": ["string", "null"]}}}
        for shop in shops
    }
    messages: list[dict[str, Any]] = [
        {"type": "SCHEMA", "stream": shop, "schema": schemas[shop], "key_properties": ["id"]} for shop in shops
    ]
    for number, shop in enumerate(shops):
        first = 10 * number
        records = [_order(first + 1), _order(first + 2, "twelve")]
        messages += [{"type": "RECORD", "stream": shop, "record": record} for record in records]
    maps = {shop: {**RENAME, "__alias__": "orders", f"{shop}_note": "__NULL__"} for shop in shops}

    run = run_target(tmp_path, sandbox.base_url, messages, stream_maps=maps)

    assert run.returncode == 0, run.stderr[-3000:]
    assert sorted((r["stream"], r["record"]["id"]) for r in run.rejects) == [("shop1-orders", 2), ("shop2-orders", 12)]
    written = _read(tmp_path / "rejects.singer")
    declared = {m["stream"]: m["schema"] for m in written if m["type"] == "SCHEMA"}
    assert set(declared) == set(shops)
    assert all(f"{shop}_note" in declared[shop]["properties"] for shop in shops)  # each tap stream's own SCHEMA
    assert run.summary["streams"]["orders"]["sent"] == 2


def test_a_customer_refused_with_416_on_its_own_is_rejected_as_the_tap_sent_it(
    start_sandbox: Any, tmp_path: Path
) -> None:
    # The account takes 2,000-byte requests; one customer (with its order nested) is larger alone.
    sandbox = start_sandbox(max_request_bytes=2000)
    tap_schema = {
        "type": "object",
        "properties": {
            "id": {"type": ["string"]},
            "mail": {"type": ["string"]},
            "created_at": {"type": ["string"], "format": "date-time"},
            "updated_at": {"type": ["string"], "format": "date-time"},
            "notes": {"type": ["string", "null"]},
        },
    }
    people = [
        {
            "id": f"C{n}",
            "mail": f"c{n}@example.it",
            "created_at": "2025-01-02T11:00:00+01:00",
            "updated_at": "2025-01-03T11:00:00+01:00",
            "notes": "n" * (3000 if n == 2 else 10),
        }
        for n in range(5)
    ]
    orders = [{**_order(n), "customerEmail": f"c{n}@example.it"} for n in range(5)]
    messages = [
        {"type": "SCHEMA", "stream": "crm-customers", "schema": tap_schema, "key_properties": ["id"]},
        *({"type": "RECORD", "stream": "crm-customers", "record": person} for person in people),
        *_messages(*orders),
    ]
    maps = {
        "crm-customers": {
            "__alias__": "customers",
            "email": "mail",
            "mail": "__NULL__",
            "createdAt": "created_at",
            "created_at": "__NULL__",
            "updatedAt": "updated_at",
            "updated_at": "__NULL__",
        },
        STREAM: {**RENAME, "__alias__": "orders"},
    }

    run = run_target(tmp_path, sandbox.base_url, messages, stream_maps=maps, max_request_bytes=50_000)

    assert run.returncode == 0, run.stderr[-3000:]
    assert sorted((r["stream"], r["record"]["id"]) for r in run.rejects) == [("crm-customers", "C2"), (STREAM, 2)]
    by_stream = {r["stream"]: r["record"] for r in run.rejects}
    assert {k: v for k, v in by_stream["crm-customers"].items() if k != "_reject_reason"} == people[2]
    assert {k: v for k, v in by_stream[STREAM].items() if k != "_reject_reason"} == orders[2]
    assert all("(416)" in record["_reject_reason"] for record in by_stream.values())
    written = _read(tmp_path / "rejects.singer")
    assert {m["stream"] for m in written if m["type"] == "SCHEMA"} == {"crm-customers", STREAM}
    assert run.summary["streams"]["customers"]["sent"] == 4 and run.summary["streams"]["orders"]["sent"] == 4
