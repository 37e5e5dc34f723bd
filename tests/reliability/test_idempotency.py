"""Idempotency: the same input, every entity and deletes included, run twice leaves each sandbox as one run did.

Stripped before comparing (everything else, ids and creation times included, must be equal):
- Rfmcube `processes`: the import jobs themselves, not data; a rerun sends its imports again
  (Rfmcube has no way to ask what it holds), so it adds jobs of its own;
- Ecomail coupons' `updated_at`: the time of the code's last import; coupons are re-imported
  on a rerun (`update_existing_coupons`), with the same codes and `valid_until`;
- Connectif contacts' `_updatedAt`, products' `updatedAt` and the `imports` list: contacts and
  products are sent again on a rerun (upserts), which stamps them and adds import jobs.
Transactions, purchases, events and automation triggers are never sent again (the sent ledger),
so nothing of theirs is stripped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ..target_harness import TargetRun, run_target
from .conftest import StartSandbox
from .soak_inputs import (
    FAST_SANDBOX,
    TARGETS,
    Message,
    SoakTarget,
    StreamInput,
    interleave,
    invalid_keys,
    last_state,
    rejected_keys,
    run_settings,
    write_figures,
)

DELETED_AT = "2026-03-02T00:00:00Z"
Input = tuple[list[StreamInput], list[StreamInput]]  # upserts, deletes


def _deletes(stream: str, key: str, records: list[dict[str, Any]]) -> StreamInput:
    """Source deletes of `records`, on a stream of their own (`<stream>_deleted`, mapped to the entity)."""
    return StreamInput(f"{stream}_deleted", key, [{**r, "_sdc_deleted_at": DELETED_AT} for r in records])


def rfmcube_input(target: SoakTarget) -> Input:
    """Customers and orders; 10 customer deletes (their orders go too) and 3 order deletes (skipped)."""
    customers, orders = target.streams(3000)
    return [customers, orders], [
        _deletes("customers", "email", [{"email": f"c{n}@example.it", "id": f"C{n}"} for n in range(10, 20)]),
        _deletes("orders", "id", orders.records[100:103]),
    ]


def ecomail_input(target: SoakTarget) -> Input:
    """Every entity; subscriber, transaction and coupon deletes, and event and trigger deletes (skipped)."""
    subscribers, transactions, events, coupons = target.streams(3000)
    triggers = [{"trigger_id": f"T{n}", "pipeline_id": "1", "email": f"person{n:06d}@example.cz"} for n in range(5)]
    return [subscribers, transactions, events, coupons, StreamInput("automation_triggers", "trigger_id", triggers)], [
        _deletes("subscribers", "email", [{"email": f"person{n:06d}@example.cz"} for n in range(1000, 1005)]),
        _deletes("transactions", "order_id", [{"order_id": o["order_id"]} for o in transactions.records[200:205]]),
        _deletes("events", "event_id", events.records[:2]),
        _deletes("coupons", "code", coupons.records[:3]),
        _deletes("automation_triggers", "trigger_id", triggers[:1]),
    ]


def connectif_input(target: SoakTarget) -> Input:
    """Every entity; contact, product (out of stock) and purchase deletes, coupon and event deletes (skipped)."""
    contacts, products, coupons, purchases = target.streams(3000)
    events = [
        {
            "email": f"contact{n:06d}@example.cz",
            "alias": "wishlist",
            "productId": "P00001",
            "addedAt": f"2026-03-01T10:00:{n:02d}Z",
        }
        for n in range(5)
    ]
    return [contacts, products, coupons, purchases, StreamInput("custom_events", "addedAt", events)], [
        _deletes("contacts", "_email", [{"_email": f"contact{n:06d}@example.cz"} for n in range(1000, 1005)]),
        _deletes("products", "productId", [{"productId": f"P{n:05d}"} for n in range(50, 53)]),
        _deletes("coupons", "code", coupons.records[:2]),
        _deletes("purchases", "purchaseId", [{"purchaseId": p["purchaseId"]} for p in purchases.records[:3]]),
        _deletes("custom_events", "addedAt", events[:1]),
    ]


def messages_of(upserts: list[StreamInput], deletes: list[StreamInput]) -> list[Message]:
    """The upserts interleaved, then the deletes (each on its own stream, so in a batch of its own)."""
    messages = interleave(upserts, blocks=10)
    tail = interleave(deletes, blocks=1)
    tail[-1]["value"]["position"] += len(messages)
    return messages + tail


INPUTS = {"rfmcube": rfmcube_input, "ecomail": ecomail_input, "connectif": connectif_input}
#: What a first run must have done (sandbox summary figures), so that the rerun is a real test.
FIRST_RUN = {
    "rfmcube": {"deleted_customers": 10, "orphan_orders": 1},
    "ecomail": {"subscribers_unsubscribed": 5, "events": 20, "automation_runs": 5, "coupons": 17},
    "connectif": {"deleted_contacts": 5, "products_out_of_stock": 32, "purchases": 17, "custom_events": 5},
}


def _strip_keys(items: list[dict[str, Any]], *names: str) -> list[dict[str, Any]]:
    return [{k: v for k, v in item.items() if k not in names} for item in items]


def without_volatile(name: str, data: dict[str, Any]) -> dict[str, Any]:
    """The snapshot without the fields a rerun may change (see the module's docstring)."""
    data = dict(data)
    if name == "rfmcube":
        data.pop("processes")
    elif name == "ecomail":
        data["coupons"] = {folder: _strip_keys(codes, "updated_at") for folder, codes in data["coupons"].items()}
    else:
        data.pop("imports")
        data["contacts"] = _strip_keys(data["contacts"], "_updatedAt")
        data["products"] = _strip_keys(data["products"], "updatedAt")
    return data


def first_difference(a: Any, b: Any, path: str = "") -> str | None:
    """Where two JSON values first differ (None when equal)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            if key not in a or key not in b:
                return f"{path}/{key}: only in {'the rerun' if key in b else 'the first run'}"
            found = first_difference(a[key], b[key], f"{path}/{key}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items after one run, {len(b)} after two"
        return next(
            (d for i, (x, y) in enumerate(zip(a, b, strict=True)) if (d := first_difference(x, y, f"{path}[{i}]"))),
            None,
        )
    return None if a == b else f"{path}: {a!r} after one run, {b!r} after two"


@pytest.mark.parametrize("name", list(INPUTS))
def test_the_same_input_twice_leaves_the_sandbox_as_one_run(
    name: str, start_sandbox: StartSandbox, tmp_path: Path
) -> None:
    target = TARGETS[name]
    upserts, deletes = INPUTS[name](target)
    messages = messages_of(upserts, deletes)
    sandbox = start_sandbox(name, **FAST_SANDBOX, **target.sandbox)
    entities = {s.name: s.name.removesuffix("_deleted") for s in deletes}
    settings = {**target.vendor.settings, **target.settings, **run_settings(target), "entities": entities}

    def run() -> TargetRun:
        done = run_target(
            target.vendor.module, tmp_path, sandbox.base_url, messages, api_key=target.vendor.api_key, **settings
        )
        assert done.returncode == 0, done.stderr[-3000:]
        assert done.states[-1] == last_state(messages)
        return done

    first = run()
    after_one, counts = sandbox.snapshot(), sandbox.summary()
    for figure, value in FIRST_RUN[name].items():
        assert counts[figure] == value, (figure, counts[figure])
    calls_before = counts["requests"]["total"]
    second = run()
    after_two = sandbox.snapshot()

    difference = first_difference(without_volatile(name, after_one), without_volatile(name, after_two))
    write_figures(
        name,
        "idempotency",
        {
            "records": sum(1 for m in messages if m["type"] == "RECORD"),
            "idempotent": difference is None,
            "first_difference": difference,
            "second_run_calls": sandbox.summary()["requests"]["total"] - calls_before,
            "second_run_calls_by_endpoint": second.summary.get("api", {}).get("calls_by_endpoint"),
            "stripped": {
                "rfmcube": ["processes"],
                "ecomail": ["coupons[].updated_at"],
                "connectif": ["imports", "contacts[]._updatedAt", "products[].updatedAt"],
            }[name],
        },
    )
    assert difference is None, difference
    assert (
        rejected_keys(target, second.rejects) == rejected_keys(target, first.rejects) == invalid_keys(target, upserts)
    )
