"""target-ecomail end to end against its sandbox (a real process over loopback HTTP)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import requests

from api_target_kit.sent_ledger import SentLedger

from .runs import ECOMAIL_KEY, LIST_ID, load_demo, run_ecomail, stream_messages, subscribers, transactions

DEMO_STREAMS = {
    "subscribers": "email",
    "transactions": "order_id",
    "events": "event_id",
    "coupons": "code",
    "automation_triggers": "trigger_id",
}


def _content(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The sandbox's data without the time a coupon was last re-imported (a re-import stamps it)."""
    coupons = {
        folder: [{k: v for k, v in code.items() if k != "updated_at"} for code in codes]
        for folder, codes in snapshot["coupons"].items()
    }
    return {**snapshot, "coupons": coupons}


#: Ecomail's order listing, as the request log shows it (the query is not logged).
LISTING = "GET /tracker/transaction"


def _call(logged: dict[str, Any]) -> str:
    return f"{logged['method']} {logged['path']}"


def _writes(sandbox: Any, path_part: str) -> int:
    return sum(1 for r in sandbox.request_log() if path_part in r["path"] and r["method"] != "GET")


def test_10000_subscribers_arrive_in_4_requests(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox()
    run = run_ecomail(tmp_path, sandbox.base_url, stream_messages("subscribers", subscribers(10_000), key="email"))

    assert run.returncode == 0, run.stderr[-2000:]
    log = sandbox.request_log()
    assert len(log) == 4
    assert all(r["path"] == f"/lists/{LIST_ID}/subscribe-bulk" for r in log)
    summary = sandbox.summary()
    assert summary["subscribers_subscribed"] == 10_000
    assert summary["subscribe_bulk_items_ignored"] == 0
    assert run.summary["streams"]["subscribers"]["sent"] == 10_000


def test_5000_new_transactions_arrive_in_5_requests_and_a_rerun_changes_nothing(
    start_sandbox: Any, tmp_path: Path
) -> None:
    sandbox = start_sandbox()
    messages = stream_messages("transactions", transactions(5000), key="order_id", state_every=1000)

    first = run_ecomail(tmp_path, sandbox.base_url, messages)
    after_first = sandbox.snapshot()["transactions"]
    second = run_ecomail(tmp_path, sandbox.base_url, messages)

    assert first.returncode == 0 and second.returncode == 0, first.stderr[-2000:] + second.stderr[-2000:]
    log = sandbox.request_log()
    # The new ledger's orders are looked up first: an empty account answers in one page.
    assert [_call(r) for r in log] == [LISTING] + ["POST /tracker/transaction-bulk"] * 5  # the rerun made no call
    assert first.summary["order_lookup"] == {"orders_looked_up": 5000, "found_at_ecomail": 0, "listing_calls": 1}
    summary = sandbox.summary()
    assert summary["transactions"] == 5000
    assert summary["duplicate_transactions"] == 0
    assert sandbox.snapshot()["transactions"] == after_first
    assert second.summary["streams"]["transactions"]["skipped"] == 5000
    assert second.states[-1] == first.states[-1]


def test_a_changed_order_is_replaced_with_put_not_duplicated(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox()
    orders = transactions(3)
    run_ecomail(tmp_path, sandbox.base_url, stream_messages("transactions", orders, key="order_id"))
    orders[1] = {**orders[1], "status": "cancelled"}  # the source spelling maps to Ecomail's "canceled"

    run = run_ecomail(tmp_path, sandbox.base_url, stream_messages("transactions", orders, key="order_id"))

    assert run.returncode == 0, run.stderr[-2000:]
    assert [_call(r) for r in sandbox.request_log()][2:] == ["PUT /tracker/transaction/ORD0000001"]
    stored = {t["order_id"]: t for t in sandbox.snapshot()["transactions"]}
    assert stored["ORD0000001"]["status"] == "canceled"
    assert sandbox.summary()["duplicate_transactions"] == 0


def test_trigger_order_automations_sends_new_orders_one_by_one(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox()
    run = run_ecomail(
        tmp_path,
        sandbox.base_url,
        stream_messages("transactions", transactions(3), key="order_id"),
        trigger_order_automations=True,
    )

    assert run.returncode == 0, run.stderr[-2000:]
    assert [_call(r) for r in sandbox.request_log()] == [LISTING] + ["POST /tracker/transaction"] * 3
    assert sandbox.summary()["transactions"] == 3


def test_orders_one_by_one_keep_the_pace_of_the_rate_limit(start_sandbox: Any, tmp_path: Path) -> None:
    """Quota-bound (bench/quota_floor.py): the calls span (calls - 1) / limit, within 5%.

    The account's shared bucket (SQLite here, the default kind) used to make every call wait for
    the one before it a turn plus 5 ms: 57 ms apart where the pace is 51 ms (1.14x).
    """
    limit = 1200
    sandbox = start_sandbox(rate_limit=limit // 6, window_seconds=10.0)
    run = run_ecomail(
        tmp_path,
        sandbox.base_url,
        stream_messages("transactions", transactions(100), key="order_id"),
        trigger_order_automations=True,
        max_requests_per_minute=limit,
    )

    assert run.returncode == 0, run.stderr[-2000:]
    log = sandbox.request_log()
    assert [_call(r) for r in log] == [LISTING] + ["POST /tracker/transaction"] * 100
    assert all(r["status"] == 200 for r in log)
    span = log[-1]["t"] - log[0]["t"]
    floor = (len(log) - 1) * 60 / limit
    assert span <= 1.05 * floor, f"{len(log)} calls in {span:.2f} s, floor {floor:.2f} s"


def test_automation_triggers_fire_once_even_when_replayed(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox()
    people = subscribers(2)
    triggers = [{"trigger_id": f"T{n}", "pipeline_id": 1, "email": people[n]["email"]} for n in range(2)]
    messages = stream_messages("subscribers", people, key="email") + stream_messages(
        "automation_triggers", triggers, key="trigger_id"
    )

    first = run_ecomail(tmp_path, sandbox.base_url, messages)
    replay = run_ecomail(tmp_path, sandbox.base_url, messages)

    assert first.returncode == 0 and replay.returncode == 0, first.stderr[-2000:] + replay.stderr[-2000:]
    assert sandbox.summary()["automation_runs"] == 2
    assert _writes(sandbox, "/trigger") == 2
    assert replay.summary["streams"]["automation_triggers"]["skipped"] == 2


def test_events_wait_for_the_subscribers_of_their_drain(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox()
    people = subscribers(3)
    events = [
        {"email": p["email"], "category": "ue", "action": "Basket", "label": "Basket", "value": {"data": {"n": i}}}
        for i, p in enumerate(people)
    ]
    # The events stream starts first; its records still reach Ecomail after their subscribers.
    messages = [stream_messages("events", events, key="email")[0], *stream_messages("subscribers", people, key="email")]
    messages += stream_messages("events", events, key="email")[1:]

    run = run_ecomail(tmp_path, sandbox.base_url, messages)

    assert run.returncode == 0, run.stderr[-2000:]
    assert run.rejects == []
    paths = [r["path"] for r in sandbox.request_log()]
    assert paths[0] == f"/lists/{LIST_ID}/subscribe-bulk"
    assert paths[1:] == ["/tracker/events"] * 3
    stored = sandbox.snapshot()["events"]
    assert sorted(json.loads(e["value"])["data"]["n"] for e in stored) == [0, 1, 2]


def test_limits_are_checked_before_sending_and_named_in_the_reason(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox()
    good = subscribers(2)
    bad = [
        {"email": "a@example.cz", "custom_fields": {"SHOP": "x", " shop": "y"}},
        {"email": "b@example.cz", "tags": ["t" * 51]},
        {"email": "c@example.cz", "custom_fields": {"note": "n" * 6000}},
        {"email": "d@example.cz", "birthday": "31/12/1990"},
        {"email": "e@example.cz", "nameday": "1-5"},
        {"email": "f@example.cz", "tags": [f"tag-{n:04d}-" + "x" * 40 for n in range(45)]},
    ]
    run = run_ecomail(tmp_path, sandbox.base_url, stream_messages("subscribers", good + bad, key="email"))

    assert run.returncode == 0, run.stderr[-2000:]
    reasons = {r["record"]["email"]: r["record"]["_reject_reason"] for r in run.rejects}
    assert "'SHOP'" in reasons["a@example.cz"] and "' shop'" in reasons["a@example.cz"]
    assert "field 'tags'" in reasons["b@example.cz"] and "51 characters" in reasons["b@example.cz"]
    assert "field 'custom_fields'" in reasons["c@example.cz"] and "5000" in reasons["c@example.cz"]
    assert "field 'birthday'" in reasons["d@example.cz"]
    assert "field 'nameday'" in reasons["e@example.cz"]
    assert "field 'tags'" in reasons["f@example.cz"] and "2000" in reasons["f@example.cz"]
    assert sandbox.summary()["subscribers_subscribed"] == 2
    assert len(sandbox.request_log()) == 1


def test_a_bulk_item_ecomail_refuses_is_isolated_and_rejected_with_its_reason(
    start_sandbox: Any, tmp_path: Path
) -> None:
    sandbox = start_sandbox()
    people = subscribers(7)
    people[4]["custom_fields"] = {"shop": {"value": "x", "type": "bool"}}  # a type Ecomail refuses (422)

    run = run_ecomail(tmp_path, sandbox.base_url, stream_messages("subscribers", people, key="email"))

    assert run.returncode == 0, run.stderr[-2000:]
    assert [r["record"]["email"] for r in run.rejects] == [people[4]["email"]]
    assert "Ecomail refused it (HTTP 422" in run.rejects[0]["record"]["_reject_reason"]
    assert "custom_fields" in run.rejects[0]["record"]["_reject_reason"]
    assert sandbox.summary()["subscribers_subscribed"] == 6


def test_deletes_unsubscribe_or_erase(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox()
    people = subscribers(3)
    run_ecomail(tmp_path, sandbox.base_url, stream_messages("subscribers", people, key="email"))
    gone = {**people[0], "_sdc_deleted_at": "2026-05-01T00:00:00Z"}

    unsubscribe = run_ecomail(tmp_path / "u", sandbox.base_url, stream_messages("subscribers", [gone], key="email"))
    erased = {**people[1], "_sdc_deleted_at": "2026-05-01T00:00:00Z"}
    erase = run_ecomail(
        tmp_path / "e", sandbox.base_url, stream_messages("subscribers", [erased], key="email"), delete_mode="erase"
    )

    assert unsubscribe.returncode == 0 and erase.returncode == 0, unsubscribe.stderr[-2000:] + erase.stderr[-2000:]
    summary = sandbox.summary()
    assert summary["subscribers_unsubscribed"] == 1
    assert summary["subscribers_subscribed"] == 1
    assert summary["contacts"] == 2
    assert [r["method"] for r in sandbox.request_log()[1:]] == ["DELETE", "DELETE"]


def test_double_opt_in_sends_one_subscribe_per_record(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox()
    run = run_ecomail(
        tmp_path, sandbox.base_url, stream_messages("subscribers", subscribers(3), key="email"), double_opt_in=True
    )

    assert run.returncode == 0, run.stderr[-2000:]
    assert [r["path"] for r in sandbox.request_log()] == [f"/lists/{LIST_ID}/subscribe"] * 3
    assert sandbox.summary()["subscribers_unconfirmed"] == 3


def test_a_dry_run_sends_nothing_and_records_nothing_as_sent(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox()
    messages = stream_messages("transactions", transactions(5), key="order_id", state_every=5)
    dry = run_ecomail(tmp_path, sandbox.base_url, messages, dry_run=True)
    real = run_ecomail(tmp_path, sandbox.base_url, messages)

    assert dry.returncode == 0 and dry.states == []
    assert real.returncode == 0
    written = [json.loads(line) for line in (tmp_path / "dry-run.jsonl").read_text().splitlines()]
    assert [r["method"] for r in written] == ["GET", "POST"]  # the listing a real run reads first, then the bulk
    assert written[0]["path"].startswith("/tracker/transaction?") and "date_to=" in written[0]["path"]
    assert dry.summary["dry_run"]["requests_a_real_run_would_make"] == 2
    # The dry run left the ledger empty: the real run still looks its orders up first.
    assert [_call(r) for r in sandbox.request_log()] == [LISTING, "POST /tracker/transaction-bulk"]
    assert sandbox.summary()["transactions"] == 5


def test_the_demo_arrives_as_expected_and_a_rerun_changes_nothing(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox(rate_limit=6000)
    expected = json.loads((Path(__file__).parents[2] / "demo" / "ecomail" / "expected.json").read_text())
    messages: list[dict[str, Any]] = []
    for stream, key in DEMO_STREAMS.items():
        messages += stream_messages(stream, load_demo(f"ecomail/{stream}"), key=key, state_every=500)

    run = run_ecomail(tmp_path, sandbox.base_url, messages, timeout=600)

    assert run.returncode == 0, run.stderr[-3000:]
    summary = sandbox.summary()
    received = {**summary, "automation_triggers": summary["automation_runs"]}
    received["subscribers_deleted"] = run.summary["streams"]["subscribers"]["deleted"]
    for name, value in expected["sandbox"].items():
        assert received[name] == value, name
    assert summary["duplicate_transactions"] == 0
    by_stream = Counter(r["stream"] for r in run.rejects)
    assert dict(by_stream) == {k: v for k, v in expected["rejects_by_stream"].items() if v}
    for defect in expected["defects"]:
        matching = [
            r
            for r in run.rejects
            if r["stream"] == defect["stream"] and defect["field"] in r["record"]["_reject_reason"]
        ]
        assert matching, defect

    before = _content(sandbox.snapshot())
    calls = len(sandbox.request_log())
    rerun = run_ecomail(tmp_path, sandbox.base_url, messages, timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert _content(sandbox.snapshot()) == before
    actions = [
        r
        for r in sandbox.request_log()[calls:]
        if r["method"] == "POST" and r["path"].startswith(("/tracker/transaction", "/tracker/events", "/pipelines/"))
    ]
    # Only the event Ecomail refused the first time is tried again (it was rejected, not sent).
    assert [(r["path"], r["status"]) for r in actions] == [("/tracker/events", 422)]


def test_orders_and_triggers_a_killed_run_left_pending_are_checked_not_resent(
    start_sandbox: Any, tmp_path: Path
) -> None:
    sandbox = start_sandbox()
    people = subscribers(1)
    orders = transactions(3)
    run_ecomail(tmp_path, sandbox.base_url, stream_messages("subscribers", people, key="email"))
    # A run was killed after Ecomail stored ORD0000000 and fired trigger T1, before either was confirmed.
    ledger = SentLedger(str(tmp_path / "ledger.sqlite"))
    ledger.intend("transactions", {"ORD0000000": "x", "ORD0000001": "x"})
    ledger.intend("automation_triggers", {"T1": "x"})
    ledger.close()
    arrived = {"transaction": {"order_id": "ORD0000000", "email": people[0]["email"]}, "transaction_items": []}
    assert requests.post(
        f"{sandbox.base_url}/tracker/transaction", json=arrived, headers={"key": ECOMAIL_KEY}, timeout=10
    ).ok
    calls = len(sandbox.request_log())
    trigger = [{"trigger_id": "T1", "pipeline_id": 1, "email": people[0]["email"]}]

    run = run_ecomail(
        tmp_path,
        sandbox.base_url,
        stream_messages("transactions", orders, key="order_id")
        + stream_messages("automation_triggers", trigger, key="trigger_id"),
    )

    # The only trigger is handed to the operator as a reject: not a data problem (max_rejected_ratio
    # leaves it out), so the run exits 0 and says what to check.
    assert run.returncode == 0, run.stderr[-3000:]
    assert "every record rejected" not in run.stderr
    assert "needs attention" in run.stderr.strip().splitlines()[-1].lower()
    made = [f"{r['method']} {r['path']} {r['status']}" for r in sandbox.request_log()[calls:]]
    assert made[0] == f"{LISTING} 200"  # the ledger has no confirmed order: ORD0000002 is looked up
    assert sorted(made[1:3]) == ["PUT /tracker/transaction/ORD0000000 200", "PUT /tracker/transaction/ORD0000001 404"]
    assert made[3:] == ["POST /tracker/transaction-bulk 200"]  # ORD0000001 (absent) and ORD0000002 (new)
    summary = sandbox.summary()
    assert summary["transactions"] == 3 and summary["duplicate_transactions"] == 0
    assert summary["automation_runs"] == 0
    assert "earlier run was interrupted" in run.rejects[0]["record"]["_reject_reason"]


def test_a_list_id_setting_given_as_a_json_number_is_taken_like_the_text(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox()
    run = run_ecomail(
        tmp_path, sandbox.base_url, stream_messages("subscribers", subscribers(3), key="email"), list_id=int(LIST_ID)
    )

    assert run.returncode == 0, run.stderr[-2000:]
    assert sandbox.request_log() and all(
        r["path"].startswith(f"/lists/{LIST_ID}/subscribe") for r in sandbox.request_log()
    )
    assert run.summary["streams"]["subscribers"]["sent"] == 3


def test_a_new_ledger_looks_its_orders_up_in_ecomails_listing_and_duplicates_none(
    start_sandbox: Any, tmp_path: Path
) -> None:
    sandbox = start_sandbox()
    orders = transactions(5)
    del orders[2]["timestamp"]  # Ecomail stamps it when created: listed up to today
    # Another machine sent ORD0..2 of this shop, and 600 orders of another shop on the same day.
    run_ecomail(tmp_path / "old", sandbox.base_url, stream_messages("transactions", orders[:3], key="order_id"))
    other_shop = transactions(600, start=1000)
    run_ecomail(
        tmp_path / "other", sandbox.base_url, stream_messages("transactions", other_shop, key="order_id"), shop="o.cz"
    )
    orders[1] = {**orders[1], "status": "cancelled"}  # changed since: the PUT replaces it
    calls = len(sandbox.request_log())

    run = run_ecomail(tmp_path / "new", sandbox.base_url, stream_messages("transactions", orders, key="order_id"))

    assert run.returncode == 0, run.stderr[-2000:]
    made = [f"{_call(r)} {r['status']}" for r in sandbox.request_log()[calls:]]
    # One shop: the listing asks for it, so the other shop's 600 orders take no page.
    assert made[0] == f"{LISTING} 200"
    assert sorted(made[1:4]) == [f"PUT /tracker/transaction/ORD000000{n} 200" for n in range(3)]
    assert made[4:] == ["POST /tracker/transaction-bulk 200"]  # ORD3 and ORD4
    assert run.summary["order_lookup"] == {"orders_looked_up": 5, "found_at_ecomail": 3, "listing_calls": 1}
    assert run.summary["api"]["calls_by_endpoint"][LISTING] == 1
    assert "3 of 5 orders missing from the new ledger are at Ecomail already" in run.stderr
    summary = sandbox.summary()
    assert summary["duplicate_transactions"] == 0 and summary["transactions"] == 605
    stored = {t["order_id"]: t for t in sandbox.snapshot()["transactions"]}
    assert stored["ORD0000001"]["status"] == "canceled"

    # Orders of several shops are listed for all shops: 605 orders of those days take 2 pages.
    mixed = [{**o, "shop": "o.cz"} for o in other_shop[:2]] + transactions(1, start=5)
    calls = len(sandbox.request_log())
    again = run_ecomail(tmp_path / "newer", sandbox.base_url, stream_messages("transactions", mixed, key="order_id"))

    assert again.returncode == 0, again.stderr[-2000:]
    made = [_call(r) for r in sandbox.request_log()[calls:]]
    assert made[:2] == [LISTING, LISTING]
    assert sorted(made[2:4]) == ["PUT /tracker/transaction/ORD0001000", "PUT /tracker/transaction/ORD0001001"]
    assert made[4:] == ["POST /tracker/transaction-bulk"]
    assert again.summary["order_lookup"] == {"orders_looked_up": 3, "found_at_ecomail": 2, "listing_calls": 2}
    assert sandbox.summary()["duplicate_transactions"] == 0


def test_later_batches_of_a_run_list_only_the_days_not_listed_yet(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox()
    orders = transactions(30)
    for order in orders[20:]:
        order["timestamp"] = "2026-03-09T10:00:00Z"  # the third batch: days the first did not list
    messages = stream_messages("transactions", orders, key="order_id", state_every=10)

    run = run_ecomail(tmp_path, sandbox.base_url, messages, batch_size_rows=10)

    assert run.returncode == 0, run.stderr[-2000:]
    bulk = "POST /tracker/transaction-bulk"
    assert [_call(r) for r in sandbox.request_log()] == [LISTING, bulk, bulk, LISTING, bulk]
    assert run.summary["order_lookup"] == {"orders_looked_up": 30, "found_at_ecomail": 0, "listing_calls": 2}


def test_a_ledger_that_has_orders_is_trusted_without_a_listing(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox()
    first = run_ecomail(tmp_path, sandbox.base_url, stream_messages("transactions", transactions(2), key="order_id"))
    calls = len(sandbox.request_log())
    later = run_ecomail(
        tmp_path, sandbox.base_url, stream_messages("transactions", transactions(2, start=2), key="order_id")
    )

    assert first.returncode == 0 and later.returncode == 0, later.stderr[-2000:]
    assert [_call(r) for r in sandbox.request_log()[calls:]] == ["POST /tracker/transaction-bulk"]
    assert "order_lookup" not in later.summary


def test_verify_new_transactions_true_puts_each_order_a_new_ledger_does_not_know(
    start_sandbox: Any, tmp_path: Path
) -> None:
    sandbox = start_sandbox()
    orders = transactions(3)
    run_ecomail(tmp_path / "old", sandbox.base_url, stream_messages("transactions", orders[:1], key="order_id"))
    calls = len(sandbox.request_log())

    run = run_ecomail(
        tmp_path / "new",
        sandbox.base_url,
        stream_messages("transactions", orders, key="order_id"),
        verify_new_transactions=True,
    )

    assert run.returncode == 0, run.stderr[-2000:]
    made = [f"{_call(r)} {r['status']}" for r in sandbox.request_log()[calls:]]
    assert sorted(made[:3]) == [
        "PUT /tracker/transaction/ORD0000000 200",
        "PUT /tracker/transaction/ORD0000001 404",
        "PUT /tracker/transaction/ORD0000002 404",
    ]
    assert made[3:] == ["POST /tracker/transaction-bulk 200"]
    assert sandbox.summary()["duplicate_transactions"] == 0


def test_verify_new_transactions_false_trusts_a_new_ledger_and_warns(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox()
    orders = transactions(2)
    run_ecomail(tmp_path / "old", sandbox.base_url, stream_messages("transactions", orders, key="order_id"))
    calls = len(sandbox.request_log())

    first = run_ecomail(
        tmp_path,
        sandbox.base_url,
        stream_messages("transactions", orders, key="order_id"),
        verify_new_transactions=False,
    )
    later = run_ecomail(
        tmp_path,
        sandbox.base_url,
        stream_messages("transactions", transactions(2, start=2), key="order_id"),
        verify_new_transactions=False,
    )

    assert first.returncode == 0 and later.returncode == 0, later.stderr[-2000:]
    assert [_call(r) for r in sandbox.request_log()[calls:]] == ["POST /tracker/transaction-bulk"] * 2  # no listing
    assert sandbox.summary()["duplicate_transactions"] == 2  # what false means on a new machine
    assert "leave verify_new_transactions unset" in first.stderr
    warned = first.summary["streams"]["transactions"]["warnings"]
    assert len(warned) == 1 and "verify_new_transactions is false" in next(iter(warned))
    assert "leave verify_new_transactions unset" not in later.stderr  # the ledger has orders now
    assert later.summary["streams"]["transactions"]["warnings"] == {}
