"""Tests of the Rfmcube sandbox over real loopback HTTP."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from target_rfmcube.sandbox import FaultConfig, RfmcubeSandbox, SandboxConfig

from ..sandbox_fixtures import run_sandbox_cli, start_sandbox_fixture

KEY = "test-key-123"
DATE = "2020-01-01T13:06:39Z"

MakeSandbox = Callable[..., tuple[RfmcubeSandbox, str]]


sandboxes = start_sandbox_fixture(RfmcubeSandbox, SandboxConfig, api_key=KEY, process_seconds=0.1)


@pytest.fixture
def make_sandbox(sandboxes: Callable[..., RfmcubeSandbox]) -> MakeSandbox:
    """Start sandboxes on free ports (stopped afterwards), returned with their base URL."""

    def _make(**kwargs: Any) -> tuple[RfmcubeSandbox, str]:
        sandbox = sandboxes(**kwargs)
        return sandbox, sandbox.base_url

    return _make


@pytest.fixture
def session() -> Iterator[requests.Session]:
    """A keep-alive session carrying the api-key and JSON content type."""
    with requests.Session() as s:
        s.headers.update({"api-key": KEY, "content-type": "application/json"})
        yield s


def customer(email: str, *orders: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A valid customer with nested orders."""
    return {"email": email, "createdAt": DATE, "updatedAt": DATE, **extra, "orders": list(orders)}


def order(order_id: str | int, amount: Any = 10.5, **extra: Any) -> dict[str, Any]:
    """A valid order."""
    return {"id": order_id, "createdAt": DATE, "updatedAt": DATE, "amount": amount, **extra}


def admin(url: str) -> str:
    """Admin base URL for an API base URL."""
    return url.removesuffix("/v1") + "/_sandbox"


def wait_process(s: requests.Session, url: str, pid: int, timeout: float = 5.0) -> dict[str, Any]:
    """Poll a process until it is completed or failed."""
    deadline = time.monotonic() + timeout
    while True:
        body: dict[str, Any] = s.get(f"{url}/processes/{pid}").json()
        if body["status"] in ("completed", "failed") or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


def run_import(s: requests.Session, url: str, customers: list[Any], **flags: Any) -> dict[str, Any]:
    """POST /import and wait for the process to end."""
    resp = s.post(f"{url}/import", json={"customers": customers, **flags})
    assert resp.status_code == 200, resp.text
    return wait_process(s, url, resp.json()["processId"])


# ----- request checks ---------------------------------------------------------------------


def test_auth_401_never_echoes_key(make_sandbox: MakeSandbox) -> None:
    sb, url = make_sandbox()
    wrong = requests.post(
        f"{url}/merge_customer",
        json={"customer": customer("a@x.com")},
        headers={"api-key": "wrong-key"},
    )
    missing = requests.get(f"{url}/processes/1")
    assert wrong.status_code == 401 and missing.status_code == 401
    assert set(wrong.json()) == {"message"}
    assert KEY not in wrong.text and "wrong-key" not in wrong.text
    assert sb.snapshot()["customers"] == []
    assert [r["status"] for r in sb.request_log()] == [401, 401]


def test_connector_type_406(make_sandbox: MakeSandbox, session: requests.Session) -> None:
    _, url = make_sandbox(connector_type="shopify")
    resp = session.post(f"{url}/import", json={"customers": []})
    assert resp.status_code == 406
    assert resp.json() == {"message": "connector platform type is not 'Use Rfmcube's API'"}


def test_oversized_body_416_keeps_connection_usable(make_sandbox: MakeSandbox, session: requests.Session) -> None:
    sb, url = make_sandbox(max_request_bytes=300)
    big = session.post(f"{url}/import", json={"customers": [customer("a@x.com", pad="x" * 500)]})
    assert big.status_code == 416
    small = session.post(f"{url}/merge_customer", json={"customer": customer("b@x.com")})
    assert small.status_code == 200
    log = sb.request_log()
    assert log[0]["status"] == 416 and log[0]["bytes"] > 300
    assert [c["email"] for c in sb.snapshot()["customers"]] == ["b@x.com"]


def test_content_type_json_and_envelope_errors(make_sandbox: MakeSandbox, session: requests.Session) -> None:
    sb, url = make_sandbox()
    plain = session.post(f"{url}/import", data=b'{"customers": []}', headers={"content-type": "text/plain"})
    assert plain.status_code == 400 and "Content-Type" in plain.json()["message"]
    broken = session.post(f"{url}/import", data=b'{"customers": [')
    assert broken.status_code == 400 and "JSON" in broken.json()["message"]
    not_list = session.post(f"{url}/import", json={"customers": {"email": "a@x.com"}})
    assert not_list.status_code == 400 and "customers" in not_list.json()["message"]
    flag = session.post(f"{url}/import", json={"customers": [], "recalculateStats": "yes"})
    assert flag.status_code == 400 and "recalculateStats" in flag.json()["message"]
    no_orders = session.post(f"{url}/import", json={"overwriteDescriptors": True, "customers": [customer("a@x.com")]})
    assert no_orders.status_code == 400 and "overwriteDescriptors" in no_orders.json()["message"]
    assert sb.snapshot()["processes"] == []


def test_unknown_path_404_and_wrong_method_405(make_sandbox: MakeSandbox, session: requests.Session) -> None:
    _, url = make_sandbox()
    assert session.post(f"{url}/nope", json={}).status_code == 404
    assert session.get(f"{url}/processes/123").status_code == 404
    wrong = session.get(f"{url}/import")
    assert wrong.status_code == 405 and wrong.headers["Allow"] == "POST"


def test_rate_limit_429_with_retry_after(make_sandbox: MakeSandbox, session: requests.Session) -> None:
    sb, url = make_sandbox(rate_limit=5, window_seconds=1.0)
    statuses = [session.get(f"{url}/processes/1").status_code for _ in range(5)]
    assert statuses == [404] * 5
    limited = session.get(f"{url}/processes/1")
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "1"
    time.sleep(1.05)
    assert session.get(f"{url}/processes/1").status_code == 404
    log = sb.request_log()
    assert [r["rate_limited"] for r in log] == [False] * 5 + [True, False]
    assert not any(r["injected"] for r in log)
    requests_summary = sb.summary()["requests"]
    assert requests_summary["rate_limited"] == 1
    assert requests_summary["max_in_window"] == 6


def test_max_in_window_in_summary(make_sandbox: MakeSandbox, session: requests.Session) -> None:
    _, url = make_sandbox(rate_limit=100, window_seconds=0.5)
    for _ in range(3):
        session.get(f"{url}/processes/1")
    time.sleep(0.6)
    for _ in range(2):
        session.get(f"{url}/processes/1")
    summary = requests.get(f"{admin(url)}/summary").json()
    assert summary["requests"]["total"] == 5
    assert summary["requests"]["max_in_window"] == 3
    assert summary["requests"]["by_status"] == {"404": 5}


# ----- import process ---------------------------------------------------------------------


def test_import_process_lifecycle_applies_data_at_completion(
    make_sandbox: MakeSandbox, session: requests.Session
) -> None:
    sb, url = make_sandbox(process_seconds=1.0)
    payload = {
        "overwriteDescriptors": False,
        "triggerIntegrations": False,
        "recalculateStats": False,
        "customers": [customer("a@x.com", order("1"), order(2)), customer("b@x.com")],
    }
    resp = session.post(f"{url}/import", json=payload)
    assert resp.status_code == 200
    pid = resp.json()["processId"]
    assert isinstance(pid, int)
    first = session.get(f"{url}/processes/{pid}").json()
    assert first["status"] == "pending"
    assert first["type"] == "IMPORT_CUSTOMERS_API"
    assert first["data"] == {
        "processedCustomers": 0,
        "totalCustomers": 2,
        "processedOrders": 0,
        "totalOrders": 2,
    }
    assert sb.snapshot()["customers"] == []
    time.sleep(0.3)
    assert session.get(f"{url}/processes/{pid}").json()["status"] == "running"
    time.sleep(0.75)
    done = session.get(f"{url}/processes/{pid}").json()
    assert done["status"] == "completed"
    assert done["data"]["processedCustomers"] == 2 and done["data"]["processedOrders"] == 2
    assert done["createdAt"].endswith("Z") and len(done["createdAt"]) == 20
    data = sb.snapshot()
    a = next(c for c in data["customers"] if c["email"] == "a@x.com")
    assert [o["id"] for o in a["orders"]] == ["1", "2"]
    assert all(o["customerEmail"] == "a@x.com" for o in a["orders"])
    flags = {"overwriteDescriptors": False, "triggerIntegrations": False, "recalculateStats": False}
    assert data["processes"] == [{"processId": pid, "status": "completed", "data": done["data"], "flags": flags}]


def test_invalid_records_are_skipped(make_sandbox: MakeSandbox, session: requests.Session) -> None:
    sb, url = make_sandbox()
    customers = [
        {"createdAt": DATE, "updatedAt": DATE, "orders": []},  # no email
        customer("bad-date@x.com", order("9"), createdAt="2020-01-01 13:06:39"),  # + its order
        customer("no-at.example.com"),
        customer(
            "ok@x.com",
            order("1"),
            order("2", amount="55.00"),
            order("3", amount=True),
            order("4", amount="12,5"),
            order("5", updatedAt="2020-01-01T13:06:39+02:00"),
            {"createdAt": DATE, "updatedAt": DATE, "amount": 1},  # no id
        ),
    ]
    done = run_import(session, url, customers)
    assert done["status"] == "completed"
    assert done["data"] == {
        "processedCustomers": 1,
        "totalCustomers": 4,
        "processedOrders": 2,
        "totalOrders": 7,
    }
    data = sb.snapshot()
    assert [c["email"] for c in data["customers"]] == ["ok@x.com"]
    assert [o["id"] for o in data["customers"][0]["orders"]] == ["1", "2"]
    assert data["orphan_orders"] == []


def test_upsert_merges_customer_and_replaces_order(make_sandbox: MakeSandbox, session: requests.Session) -> None:
    sb, url = make_sandbox()
    first = customer(
        "a@x.com",
        order("1", coupon="X", items=[{"item_id": 1}, {"item_id": 2}]),
        firstname="ann",
        tag="vip",
    )
    run_import(session, url, [first])
    second = customer("a@x.com", order("1", amount=99, items=[{"item_id": 3}]), lastname="lee")
    run_import(session, url, [second, customer("b@x.com")])
    stored = sb.snapshot()["customers"][0]
    assert stored["firstname"] == "ann" and stored["lastname"] == "lee" and stored["tag"] == "vip"
    assert "orders" not in {k for k in stored if k != "orders"}
    assert stored["orders"] == [
        {
            "id": "1",
            "createdAt": DATE,
            "updatedAt": DATE,
            "amount": 99,
            "items": [{"item_id": 3}],
            "customerEmail": "a@x.com",
        }
    ]
    run_import(session, url, [customer("b@x.com", order(1, amount=5))])
    by_email = {c["email"]: c for c in sb.snapshot()["customers"]}
    assert by_email["a@x.com"]["orders"] == []
    assert [o["amount"] for o in by_email["b@x.com"]["orders"]] == [5]
    assert sb.summary()["orders"] == 1


# ----- merge and delete endpoints ---------------------------------------------------------


def test_merge_endpoints_validate_and_name_the_field(make_sandbox: MakeSandbox, session: requests.Session) -> None:
    sb, url = make_sandbox()
    bad_customer = session.post(f"{url}/merge_customer", json={"customer": customer("no-at", firstname="x")})
    assert bad_customer.status_code == 400 and "customer.email" in bad_customer.json()["message"]
    missing_email = session.post(f"{url}/merge_order", json={"order": order("1")})
    assert missing_email.status_code == 400
    assert "order.customerEmail" in missing_email.json()["message"]
    bad_amount = session.post(f"{url}/merge_order", json={"order": order("1", amount="1e3", customerEmail="a@x.com")})
    assert bad_amount.status_code == 400 and "order.amount" in bad_amount.json()["message"]
    ok = session.post(
        f"{url}/merge_customer",
        json={"triggerIntegrations": False, "customer": customer("a@x.com", order("7"))},
    )
    assert ok.status_code == 200 and ok.json() == {"message": "ok"}
    data = sb.snapshot()
    assert data["customers"][0]["orders"] == []  # merge_customer never touches orders
    assert data["orphan_orders"] == []


def test_merge_order_orphan_then_attached(make_sandbox: MakeSandbox, session: requests.Session) -> None:
    sb, url = make_sandbox()
    for oid, email in (("o1", "ghost@x.com"), ("o2", "later@x.com")):
        resp = session.post(f"{url}/merge_order", json={"order": order(oid, customerEmail=email, status="10")})
        assert resp.status_code == 200
    data = sb.snapshot()
    assert {o["id"] for o in data["orphan_orders"]} == {"o1", "o2"}
    assert sb.summary()["orphan_orders"] == 2 and sb.summary()["orders"] == 0
    session.post(f"{url}/merge_customer", json={"customer": customer("ghost@x.com")})
    run_import(session, url, [customer("later@x.com")])
    data = sb.snapshot()
    assert data["orphan_orders"] == []
    by_email = {c["email"]: c for c in data["customers"]}
    assert [o["id"] for o in by_email["ghost@x.com"]["orders"]] == ["o1"]
    assert [o["id"] for o in by_email["later@x.com"]["orders"]] == ["o2"]


def test_delete_customer_by_id_and_by_email(make_sandbox: MakeSandbox, session: requests.Session) -> None:
    sb, url = make_sandbox()
    run_import(
        session,
        url,
        [
            customer("a@x.com", order("1"), order("2"), id="321"),
            customer("b@x.com", order("3")),
            customer("c@x.com", order("4")),
        ],
    )
    session.post(f"{url}/merge_order", json={"order": order("5", customerEmail="gone@x.com")})
    by_id = session.post(f"{url}/delete_customer", json={"id": 321, "email": "c@x.com"})
    assert by_id.status_code == 200 and by_id.json() == {"message": "deleted"}
    by_email = session.post(f"{url}/delete_customer", json={"email": "b@x.com"})
    assert by_email.status_code == 200
    orphan_owner = session.post(f"{url}/delete_customer", json={"email": "gone@x.com"})
    assert orphan_owner.status_code == 404
    assert orphan_owner.json() == {"message": "customer not found"}
    assert session.post(f"{url}/delete_customer", json={}).status_code == 400
    data = sb.snapshot()
    assert [c["email"] for c in data["customers"]] == ["c@x.com"]
    assert [o["id"] for o in data["customers"][0]["orders"]] == ["4"]
    assert data["deleted_customers"] == ["a@x.com", "b@x.com"]
    assert [o["id"] for o in data["orphan_orders"]] == ["5"]


def test_customer_stats(make_sandbox: MakeSandbox, session: requests.Session) -> None:
    _, url = make_sandbox()
    run_import(
        session,
        url,
        [
            customer(
                "a@x.com",
                order("1", amount=10, createdAt="2021-05-01T00:00:00Z"),
                order("2", amount="2.50", createdAt="2020-02-01T10:00:00.5+00:00"),
                id="9",
            )
        ],
    )
    stats = session.post(f"{url}/customer_stats", json={"id": "9"}).json()
    assert stats["totalTransactions"] == 2 and stats["total"] == 12.5
    assert stats["firstTransaction"] == "2020-02-01T10:00:00Z"
    assert stats["lastTransaction"] == "2021-05-01T00:00:00Z"
    assert session.post(f"{url}/customer_stats", json={"email": "z@x.com"}).status_code == 404


def test_concurrent_clients(make_sandbox: MakeSandbox) -> None:
    sb, url = make_sandbox(rate_limit=1000)
    statuses: list[int] = []

    def worker(n: int) -> None:
        with requests.Session() as s:
            s.headers["api-key"] = KEY
            for i in range(10):
                body = {"customer": customer(f"c{n}-{i}@x.com")}
                statuses.append(s.post(f"{url}/merge_customer", json=body).status_code)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 80
    assert sb.summary()["customers"] == 80


# ----- fault injection --------------------------------------------------------------------


def test_fail_imports_marks_process_failed(make_sandbox: MakeSandbox, session: requests.Session) -> None:
    sb, url = make_sandbox(faults=FaultConfig(fail_imports=1))
    failed = run_import(session, url, [customer("a@x.com", order("1"))])
    assert failed["status"] == "failed"
    assert failed["data"]["processedCustomers"] == 0
    assert sb.snapshot()["customers"] == []
    ok = run_import(session, url, [customer("a@x.com", order("1"))])
    assert ok["status"] == "completed"
    assert sb.summary()["processes"] == {"failed": 1, "completed": 1}


def test_stall_imports_keeps_process_running(make_sandbox: MakeSandbox, session: requests.Session) -> None:
    sb, url = make_sandbox(faults=FaultConfig(stall_imports=True))
    pid = session.post(f"{url}/import", json={"customers": [customer("a@x.com")]}).json()["processId"]
    time.sleep(0.3)
    assert session.get(f"{url}/processes/{pid}").json()["status"] == "running"
    assert sb.snapshot()["customers"] == []
    sb.set_faults(FaultConfig())
    assert wait_process(session, url, pid)["status"] == "completed"


def test_fail_next_matches_path_and_count(make_sandbox: MakeSandbox, session: requests.Session) -> None:
    rules = [{"status": 416, "path": "/import", "count": 2}, {"status": 503, "path": None}]
    sb, url = make_sandbox(faults=FaultConfig(fail_next=rules))
    body = {"customers": [customer("a@x.com")]}
    first, second = (session.post(f"{url}/import", json=body) for _ in range(2))
    assert first.status_code == 416 and second.status_code == 416
    assert "message" in first.json()
    assert session.get(f"{url}/processes/1").status_code == 503  # the path-less rule
    assert session.post(f"{url}/import", json=body).status_code == 200
    assert [r["injected"] for r in sb.request_log()] == [True, True, True, False]
    assert sb.faults().fail_next == []


def test_injected_429_and_5xx_shares_are_seeded(make_sandbox: MakeSandbox) -> None:
    faults = FaultConfig(rate_429=0.2, rate_5xx=0.1, retry_after_seconds=3, seed=7)
    sb, url = make_sandbox(rate_limit=10_000, faults=faults)

    def run(n: int) -> list[requests.Response]:
        with requests.Session() as s:
            s.headers["api-key"] = KEY
            return [s.get(f"{url}/processes/1") for _ in range(n)]

    responses = run(200)
    codes = [r.status_code for r in responses]
    n429 = codes.count(429)
    n5xx = sum(1 for c in codes if c >= 500)
    assert 25 <= n429 <= 55 and 8 <= n5xx <= 34
    assert {c for c in codes if c >= 500} <= {500, 502, 503}
    assert set(codes) - {429, 500, 502, 503} == {404}
    assert all(r.headers["Retry-After"] == "3" for r in responses if r.status_code == 429)
    summary = sb.summary()["requests"]
    assert summary["injected"] == n429 + n5xx and summary["rate_limited"] == 0
    sb.set_faults(faults)  # same seed: same sequence
    assert [r.status_code for r in run(50)] == codes[:50]


def test_dropped_connection_raises_and_processes_nothing(make_sandbox: MakeSandbox, session: requests.Session) -> None:
    sb, url = make_sandbox(faults=FaultConfig(rate_drop=1.0))
    with pytest.raises(requests.exceptions.ConnectionError):
        session.post(f"{url}/import", json={"customers": [customer("a@x.com")]}, timeout=5)
    data = sb.snapshot()
    assert data["processes"] == []
    log = sb.request_log()
    assert log[0]["status"] is None and log[0]["injected"] is True
    assert sb.summary()["requests"]["by_status"] == {"dropped": 1}


def test_drop_after_processing_applies_data(make_sandbox: MakeSandbox, session: requests.Session) -> None:
    sb, url = make_sandbox(faults=FaultConfig(rate_drop_after=1.0))
    with pytest.raises(requests.exceptions.ConnectionError):
        session.post(f"{url}/merge_customer", json={"customer": customer("a@x.com")}, timeout=5)
    with pytest.raises(requests.exceptions.ConnectionError):
        session.post(f"{url}/import", json={"customers": [customer("b@x.com")]}, timeout=5)
    time.sleep(0.15)
    data = sb.snapshot()
    assert [p["status"] for p in data["processes"]] == ["completed"]
    assert {c["email"] for c in data["customers"]} == {"a@x.com", "b@x.com"}
    assert [r["status"] for r in sb.request_log()] == [None, None]


def test_stall_delays_then_answers(make_sandbox: MakeSandbox, session: requests.Session) -> None:
    sb, url = make_sandbox(faults=FaultConfig(rate_stall=1.0, stall_seconds=0.3))
    start = time.monotonic()
    resp = session.post(f"{url}/merge_customer", json={"customer": customer("a@x.com")})
    assert resp.status_code == 200
    assert time.monotonic() - start >= 0.3
    assert sb.request_log()[0]["injected"] is True


def test_faults_can_be_set_over_http(make_sandbox: MakeSandbox, session: requests.Session) -> None:
    _, url = make_sandbox()
    assert requests.post(f"{admin(url)}/faults", json={"nope": 1}).status_code == 400
    assert requests.post(f"{admin(url)}/faults", json={"rate_429": 1.5}).status_code == 400
    ok = requests.post(f"{admin(url)}/faults", json={"rate_429": 1.0, "retry_after_seconds": 2})
    assert ok.status_code == 200 and ok.json()["faults"]["rate_429"] == 1.0
    limited = session.get(f"{url}/processes/1")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "2"
    assert requests.get(f"{admin(url)}/faults").json()["rate_429"] == 1.0


# ----- admin ------------------------------------------------------------------------------


def test_admin_endpoints_bypass_auth_rate_limit_and_faults(
    make_sandbox: MakeSandbox, session: requests.Session
) -> None:
    sb, url = make_sandbox(rate_limit=1, window_seconds=60.0)
    assert session.post(f"{url}/merge_customer", json={"customer": customer("a@x.com")}).ok
    assert session.get(f"{url}/processes/1").status_code == 429
    sb.set_faults(FaultConfig(rate_5xx=1.0))
    base = admin(url)
    for _ in range(3):
        assert requests.get(f"{base}/data").json()["customers"][0]["email"] == "a@x.com"
        assert requests.get(f"{base}/summary").json()["requests"]["total"] == 2
        assert len(requests.get(f"{base}/requests").json()) == 2
    assert requests.get(f"{base}/nope").status_code == 404
    assert requests.post(f"{base}/reset").json() == {"message": "reset"}
    assert sb.snapshot()["customers"] == [] and sb.request_log() == []
    sb.set_faults(FaultConfig())
    assert session.get(f"{url}/processes/1").status_code == 404  # rate window reset too


# ----- command line -----------------------------------------------------------------------


def test_cli_prints_url_writes_port_and_exits_cleanly(tmp_path: Path) -> None:
    secret = "cli-secret-key"
    args = ["--api-key", secret, "--faults", '{"rate_429": 0.0}']
    with run_sandbox_cli("target_rfmcube.sandbox", tmp_path, *args) as cli:
        assert cli.banner == f"Rfmcube sandbox listening on {cli.url}/v1"
        resp = requests.get(f"{cli.url}/v1/processes/1", headers={"api-key": secret})
        assert resp.status_code == 404
    assert secret not in cli.output
