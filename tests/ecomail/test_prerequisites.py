"""Events and triggers before their subscribers; fields of transactions Ecomail has no place for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .runs import run_ecomail, stream_messages, subscribers, transactions


def test_events_and_triggers_before_their_subscribers_wait_and_spend_no_refused_call(
    start_sandbox: Any, tmp_path: Path
) -> None:
    sandbox = start_sandbox()
    people = subscribers(30)
    events = [
        {"event_id": f"E{n}", "email": p["email"], "category": "ue", "action": "Visit", "label": "shop"}
        for n, p in enumerate(people)
    ]
    triggers = [{"trigger_id": f"T{n}", "pipeline_id": 1, "email": p["email"]} for n, p in enumerate(people[:12])]
    # The actions come first, whole, in batches of 5: each batch would have been refused (422).
    messages = [
        *stream_messages("events", events, key="event_id", state_every=10),
        *stream_messages("automation_triggers", triggers, key="trigger_id"),
        *stream_messages("subscribers", people, key="email"),
        {"type": "STATE", "value": {"bookmarks": {"end": True}}},
    ]

    run = run_ecomail(tmp_path, sandbox.base_url, messages, batch_size_rows=5)

    assert run.returncode == 0, run.stderr[-3000:]
    assert run.rejects == []
    log = sandbox.request_log()
    assert [r for r in log if r["status"] == 422] == []
    assert len(sandbox.snapshot()["events"]) == 30
    assert sandbox.summary()["automation_runs"] == 12
    assert "Holding 5 events records on disk" in run.stderr
    assert run.states == [{"bookmarks": {"end": True}}]


def test_transaction_fields_ecomail_has_no_place_for_are_warned_about(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox()
    orders = transactions(3)
    for order in orders:
        order["currency"] = "EUR"
        order["coupon"] = "SPRING"
        order["transaction_items"][0]["sku_color"] = "red"

    run = run_ecomail(tmp_path, sandbox.base_url, stream_messages("transactions", orders, key="order_id"))

    assert run.returncode == 0, run.stderr[-3000:]
    warnings = run.summary["streams"]["transactions"]["warnings"]
    currency = [w for w in warnings if w.startswith("field 'currency'")]
    assert currency and "no currency field" in currency[0] and "shop's currency" in currency[0]
    assert warnings["field 'coupon' is not an Ecomail transaction field (not sent)"] == 1
    assert warnings["item field 'sku_color' is not an Ecomail transaction item field (not sent)"] == 1
    assert sandbox.summary()["transactions"] == 3
