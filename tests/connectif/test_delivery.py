"""target-connectif end to end against its sandbox (a real process over loopback HTTP)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import requests

from api_target_kit.sent_ledger import SentLedger
from api_target_kit.state_dir import account_key

from .runs import CONNECTIF_KEY, contacts, load_demo, products, purchases, run_connectif, stream_messages

DEMO_STREAMS = {"contacts": "_email", "products": "productId", "purchases": "purchaseId", "coupons": "code"}


def _requests(sandbox: Any) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in sandbox.request_log()]


def test_20000_contacts_arrive_in_fewer_than_10_requests(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox(import_seconds=0.3)
    run = run_connectif(tmp_path, sandbox.base_url, stream_messages("contacts", contacts(20_000), key="_email"))

    assert run.returncode == 0, run.stderr[-2000:]
    made = _requests(sandbox)
    assert len(made) < 10, made
    assert made[0] == "POST /imports/"
    assert all(m.startswith("GET /imports/") for m in made[1:])
    assert sandbox.summary()["contacts"] == 20_000
    line = run.summary["import_api"]
    assert line["requests"] == len(made)
    assert line["requests_one_per_record_would_need"] == 20_000
    assert line["records_per_request"] >= 2000


def test_a_small_batch_goes_record_by_record(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox()
    run = run_connectif(tmp_path, sandbox.base_url, stream_messages("contacts", contacts(5), key="_email"))

    assert run.returncode == 0, run.stderr[-2000:]
    assert [m.split(" ")[0] for m in _requests(sandbox)] == ["PATCH"] * 5
    assert sandbox.summary()["contacts"] == 5


def test_rows_an_import_refuses_become_rejects_with_the_vendors_reason(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox(contact_fields={"shop_language": "text", "age": "integer"})
    people = contacts(150)
    people[7]["age"] = "old"
    people[9]["age"] = 41

    run = run_connectif(tmp_path, sandbox.base_url, stream_messages("contacts", people, key="_email"))

    assert run.returncode == 0, run.stderr[-2000:]
    assert [r["record"]["_email"] for r in run.rejects] == [people[7]["_email"]]
    reason = run.rejects[0]["record"]["_reject_reason"]
    assert reason.startswith("Connectif import ") and "age" in reason
    assert sandbox.summary()["contacts"] == 149
    assert run.summary["streams"]["contacts"]["sent"] == 149


def test_purchases_wait_for_their_contacts_and_products(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox()
    # The purchases stream starts first; its records still reach Connectif last.
    purchase_messages = stream_messages("purchases", purchases(10), key="purchaseId")
    messages = [
        purchase_messages[0],
        *stream_messages("contacts", contacts(50), key="_email"),
        *stream_messages("products", products(3), key="productId"),
        *purchase_messages[1:],
    ]

    run = run_connectif(tmp_path, sandbox.base_url, messages)

    assert run.returncode == 0, run.stderr[-2000:]
    assert run.rejects == []
    made = _requests(sandbox)
    first_purchase = next(i for i, m in enumerate(made) if m.startswith("POST /purchases"))
    assert all(not m.startswith(("PATCH", "POST /imports", "GET /imports")) for m in made[first_purchase:])
    assert sandbox.summary()["purchases"] == 10


def test_a_purchase_is_created_once_when_connections_drop_after_it_was_received(
    start_sandbox: Any, tmp_path: Path
) -> None:
    sandbox = start_sandbox()
    base = stream_messages("contacts", contacts(50), key="_email") + stream_messages(
        "products", products(3), key="productId"
    )
    assert run_connectif(tmp_path, sandbox.base_url, base).returncode == 0
    sandbox.set_faults(sandbox.faults().__class__(rate_drop_after=0.4, seed=7))

    run = run_connectif(tmp_path / "p", sandbox.base_url, stream_messages("purchases", purchases(30), key="purchaseId"))

    assert run.returncode == 0, run.stderr[-2000:]
    dropped_posts = [
        r
        for r in sandbox.request_log()
        if r["path"].startswith("/purchases/") and r["method"] == "POST" and r["status"] is None
    ]
    assert dropped_posts, "the fault did not hit any purchase POST"
    summary = sandbox.summary()
    assert summary["purchases"] == 30
    assert summary["duplicate_purchases"] == 0


def test_a_rerun_creates_no_purchase_twice(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox()
    messages = (
        stream_messages("contacts", contacts(50), key="_email")
        + stream_messages("products", products(3), key="productId")
        + stream_messages("purchases", purchases(20), key="purchaseId")
    )
    first = run_connectif(tmp_path, sandbox.base_url, messages)
    calls = len(sandbox.request_log())
    second = run_connectif(tmp_path, sandbox.base_url, messages)

    assert first.returncode == 0 and second.returncode == 0
    assert sandbox.summary()["purchases"] == 20
    assert sandbox.summary()["duplicate_purchases"] == 0
    assert not any(m.startswith("POST /purchases") for m in _requests(sandbox)[calls:])
    assert second.summary["streams"]["purchases"]["skipped"] == 20


def test_missing_contacts_are_rejected_or_created(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox()
    setup = stream_messages("products", products(3), key="productId")
    orphan = [{**purchases(1)[0], "contactEmail": "nobody@example.cz"}]

    rejected = run_connectif(tmp_path, sandbox.base_url, setup + stream_messages("purchases", orphan, key="purchaseId"))
    created = run_connectif(
        tmp_path / "c",
        sandbox.base_url,
        stream_messages("purchases", orphan, key="purchaseId"),
        create_missing_contacts=True,
    )

    assert created.returncode == 0, created.stderr[-2000:]
    # Its only purchase rejected: the run fails (max_rejected_ratio), the reject written.
    assert rejected.returncode == 1 and "Stream 'purchases': every record rejected" in rejected.stderr
    reason = rejected.rejects[0]["record"]["_reject_reason"]
    assert "E0101" in reason and "field 'contactEmail'" in reason
    assert created.rejects == []
    assert sandbox.summary()["purchases"] == 1
    assert sandbox.summary()["contacts"] == 1


def test_replace_mode_replaces_a_changed_purchase(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox()
    setup = stream_messages("contacts", contacts(50), key="_email") + stream_messages(
        "products", products(3), key="productId"
    )
    orders = purchases(2)
    run_connectif(tmp_path, sandbox.base_url, setup + stream_messages("purchases", orders, key="purchaseId"))
    orders[0] = {**orders[0], "totalPrice": 99.0}
    calls = len(sandbox.request_log())

    skip = run_connectif(tmp_path, sandbox.base_url, stream_messages("purchases", orders, key="purchaseId"))
    replace = run_connectif(
        tmp_path,
        sandbox.base_url,
        stream_messages("purchases", orders, key="purchaseId"),
        purchase_update_mode="replace",
    )

    assert skip.returncode == 0 and replace.returncode == 0
    assert _requests(sandbox)[calls:] == [
        "DELETE /purchases/purchase-id/O000000",
        "POST /purchases/",
    ]
    stored = [p for p in sandbox.snapshot()["purchases"] if p["purchaseId"] == "O000000"]
    assert [p["totalPrice"] for p in stored] == [99.0]


def test_deletes(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox()
    people, items = contacts(2), products(2)
    orders = purchases(1, product_count=1)
    orders[0]["contactEmail"] = people[0]["_email"]
    run_connectif(
        tmp_path,
        sandbox.base_url,
        stream_messages("contacts", people, key="_email")
        + stream_messages("products", items, key="productId")
        + stream_messages("purchases", orders, key="purchaseId"),
    )
    gone = "2026-05-01T00:00:00Z"
    deletes = (
        stream_messages("contacts", [{"_email": people[1]["_email"], "_sdc_deleted_at": gone}], key="_email")
        + stream_messages("products", [{"productId": items[1]["productId"], "_sdc_deleted_at": gone}], key="productId")
        + stream_messages(
            "purchases", [{"purchaseId": orders[0]["purchaseId"], "_sdc_deleted_at": gone}], key="purchaseId"
        )
    )

    run = run_connectif(tmp_path, sandbox.base_url, deletes)

    assert run.returncode == 0, run.stderr[-2000:]
    summary = sandbox.summary()
    assert summary["contacts"] == 1
    assert summary["purchases"] == 0
    assert summary["products"] == 2 and summary["products_out_of_stock"] == 1


def test_the_demo_arrives_as_expected(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox(rate_limit=6000)
    expected = json.loads((Path(__file__).parents[2] / "demo" / "connectif" / "expected.json").read_text())
    messages: list[dict[str, Any]] = []
    for stream, key in DEMO_STREAMS.items():
        messages += stream_messages(stream, load_demo(f"connectif/{stream}"), key=key, state_every=500)
    drop_updated_at = {s: {"updated_at": None} for s in ("contacts", "products")}

    run = run_connectif(tmp_path, sandbox.base_url, messages, stream_maps=drop_updated_at, timeout=600)

    assert run.returncode == 0, run.stderr[-3000:]
    summary = sandbox.summary()
    for name, value in expected["sandbox"].items():
        assert summary[name] == value, name
    assert summary["duplicate_purchases"] == 0
    assert dict(Counter(r["stream"] for r in run.rejects)) == {
        k: v for k, v in expected["rejects_by_stream"].items() if v
    }
    for defect in expected["defects"]:
        matching = [
            r
            for r in run.rejects
            if r["stream"] == defect["stream"] and defect["field"] in r["record"]["_reject_reason"]
        ]
        assert matching, defect


def test_custom_events_are_sent_once_and_refusals_name_the_reason(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox()
    people = contacts(2)
    events = [
        {"email": people[0]["_email"], "productId": "P0001", "addedAt": "2026-05-01T10:00:00Z"},
        {"email": people[1]["_email"], "productId": "P0002", "addedAt": "2026-05-01T11:00:00Z"},
        {"email": "stranger@example.cz", "productId": "P0003", "addedAt": "2026-05-01T12:00:00Z"},
    ]
    schema = {
        "type": "object",
        "properties": {
            "email": {"type": "string"},
            "productId": {"type": "string"},
            "addedAt": {"type": "string", "format": "date-time"},
        },
    }
    # The stream's key (the ledger's key for each event) is when the product was added.
    messages = stream_messages("contacts", people, key="_email") + stream_messages(
        "custom_events", events, key="addedAt", schema=schema
    )
    settings = {"custom_event_alias": "wishlist"}

    first = run_connectif(tmp_path, sandbox.base_url, messages, **settings)
    replay = run_connectif(tmp_path, sandbox.base_url, messages, **settings)

    assert first.returncode == 0 and replay.returncode == 0, first.stderr[-3000:] + replay.stderr[-3000:]
    assert sandbox.summary()["custom_events"] == 2
    assert [r["record"]["email"] for r in first.rejects] == ["stranger@example.cz"]
    assert "E0501" in first.rejects[0]["record"]["_reject_reason"]
    assert "field 'email'" in first.rejects[0]["record"]["_reject_reason"]
    assert sum(m.startswith("POST /custom-events/alias/wishlist") for m in _requests(sandbox)) == 3 + 1


def test_a_purchase_a_killed_run_left_pending_is_looked_up_not_resent(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox()
    setup = stream_messages("contacts", contacts(50), key="_email") + stream_messages(
        "products", products(3), key="productId"
    )
    run_connectif(tmp_path, sandbox.base_url, setup)
    orders = purchases(2)
    # A run was killed after Connectif stored O000000, before it was confirmed in the ledger.
    ledger = SentLedger(str(tmp_path / "ledger.sqlite"))
    ledger.intend("purchases", {"O000000": "x", "O000001": "x"})
    ledger.close()
    headers = {"Authorization": f"apiKey {CONNECTIF_KEY}"}
    assert requests.post(f"{sandbox.base_url}/purchases/", json=orders[0], headers=headers, timeout=10).ok
    calls = len(sandbox.request_log())

    run = run_connectif(tmp_path, sandbox.base_url, stream_messages("purchases", orders, key="purchaseId"))

    assert run.returncode == 0, run.stderr[-3000:]
    made = sorted(f"{r['method']} {r['path']} {r['status']}" for r in sandbox.request_log()[calls:])
    assert made == [
        "GET /purchases/purchase-id/O000000 200",
        "GET /purchases/purchase-id/O000001 404",
        "POST /purchases/ 201",
    ]
    assert sandbox.summary()["purchases"] == 2 and sandbox.summary()["duplicate_purchases"] == 0
    assert run.summary["streams"]["purchases"]["sent"] == 2


def test_a_fresh_ledger_posts_no_purchase_connectif_already_has(start_sandbox: Any, tmp_path: Path) -> None:
    """A new machine (no ledger) with default settings: skip mode skips, replace mode replaces the changed one."""
    sandbox = start_sandbox()
    setup = stream_messages("contacts", contacts(50), key="_email") + stream_messages(
        "products", products(3), key="productId"
    )
    orders = purchases(4)
    preloaded = run_connectif(
        tmp_path / "old-machine", sandbox.base_url, setup + stream_messages("purchases", orders[:3], key="purchaseId")
    )
    assert preloaded.returncode == 0 and sandbox.summary()["purchases"] == 3
    orders[1] = {**orders[1], "totalPrice": 99.0}
    events = sandbox.summary()["purchase_events_triggered"]

    calls = len(sandbox.request_log())
    state_home = tmp_path / "state"
    skip = run_connectif(
        tmp_path / "new-machine",
        sandbox.base_url,
        stream_messages("purchases", orders, key="purchaseId"),
        ledger_path=None,  # the default: the user's state directory, empty on a new machine
        env={"XDG_STATE_HOME": str(state_home)},
    )
    assert skip.returncode == 0, skip.stderr[-3000:]
    ledgers = [p.relative_to(state_home).as_posix() for p in state_home.rglob("ledger.sqlite")]
    assert ledgers == [f"api-target-kit/{account_key('Connectif', CONNECTIF_KEY)}/ledger.sqlite"]
    assert not any(half in ledgers[0] for half in CONNECTIF_KEY.split(":"))
    assert sorted(_requests(sandbox)[calls:]) == [
        *[f"GET /purchases/purchase-id/O00000{n}" for n in range(4)],
        "POST /purchases/",  # only O000003, the new one
    ]
    assert skip.summary["streams"]["purchases"]["sent"] == 1
    assert skip.summary["streams"]["purchases"]["skipped"] == 3

    calls = len(sandbox.request_log())
    replace = run_connectif(
        tmp_path / "another-machine",
        sandbox.base_url,
        stream_messages("purchases", orders, key="purchaseId"),
        purchase_update_mode="replace",
    )
    assert replace.returncode == 0, replace.stderr[-3000:]
    made = _requests(sandbox)[calls:]
    assert sorted(made) == [
        "DELETE /purchases/purchase-id/O000001",
        *[f"GET /purchases/purchase-id/O00000{n}" for n in range(4)],
        "POST /purchases/",
    ]
    assert made.index("DELETE /purchases/purchase-id/O000001") < made.index("POST /purchases/")
    assert replace.summary["streams"]["purchases"]["skipped_by_reason"] == {
        "already at Connectif as it is now (not sent again)": 3
    }

    summary = sandbox.summary()
    assert summary["purchases"] == 4 and summary["duplicate_purchases"] == 0
    assert summary["purchase_events_triggered"] == events + 2  # O000003 once, the changed O000001 once
    stored = {p["purchaseId"]: p["totalPrice"] for p in sandbox.snapshot()["purchases"]}
    assert stored == {"O000000": 21.0, "O000001": 99.0, "O000002": 21.0, "O000003": 21.0}
