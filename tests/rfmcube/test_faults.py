"""target-rfmcube under vendor faults: everything arrives, the budget holds, no STATE on failure."""

from __future__ import annotations

from pathlib import Path

from target_rfmcube.sandbox import FaultConfig

from .conftest import StartSandbox
from .harness import KEY, run_target, stream_messages
from .test_delivery import _customer, _order, _stored

# The sandbox enforces 50 requests per 10 s (300/min); the target is told 300/min. The wide
# window leaves 0.2 s of slack for scheduling jitter on a loaded CI machine.
WINDOW_LIMIT, WINDOW_SECONDS, PER_MINUTE = 50, 10.0, 300


def test_429_and_5xx_storm_delivers_everything_within_the_budget(start_sandbox: StartSandbox, tmp_path: Path) -> None:
    sandbox = start_sandbox(
        rate_limit=WINDOW_LIMIT,
        window_seconds=WINDOW_SECONDS,
        faults=FaultConfig(rate_429=0.20, rate_5xx=0.05, rate_drop=0.02, retry_after_seconds=1, seed=7),
    )
    customers = [_customer(n) for n in range(200)]
    orders = [_order(n, n % 200) for n in range(400)] + [_order(1000 + n, 5000 + n) for n in range(3)]
    messages = [
        *stream_messages("customers", customers, key="id", state_every=50),
        *stream_messages("orders", orders, key="id", state_every=100),
    ]
    last_state = next(m for m in reversed(messages) if m["type"] == "STATE")["value"]
    run = run_target(
        tmp_path, sandbox.base_url, messages, max_request_bytes=6000, max_requests_per_minute=PER_MINUTE, max_retries=12
    )
    assert run.returncode == 0, run.stderr[-3000:]
    stored_customers, stored_orders, orphans = _stored(sandbox)
    assert len(stored_customers) == 200
    assert len(stored_orders) == 400 and len(orphans) == 3
    assert stored_orders["O17"]["amount"] == 27 and stored_orders["O17"]["customerEmail"] == "c17@example.it"
    assert stored_customers["c42@example.it"]["firstname"] == "Nome42"
    assert run.states[-1] == last_state
    requests = sandbox.summary()["requests"]
    assert requests["injected"] > 10, "the storm must actually have happened"
    assert requests["rate_limited"] == 0, "no request may go beyond the budget"
    assert requests["max_in_window"] <= WINDOW_LIMIT
    assert run.summary["api"]["retries"] >= requests["injected"] - 1
    assert run.summary["api"]["calls_by_endpoint"]["/import"] > 10


def test_a_failed_import_process_fails_the_run_without_state(start_sandbox: StartSandbox, tmp_path: Path) -> None:
    sandbox = start_sandbox(faults=FaultConfig(fail_imports=1))
    messages = [
        *stream_messages("customers", [_customer(n) for n in range(5)], key="id", state_every=2),
        {"type": "STATE", "value": {"done": True}},
    ]
    run = run_target(tmp_path, sandbox.base_url, messages)
    assert run.returncode != 0
    assert run.states == []
    assert "ended with status 'failed'" in run.stderr
    assert run.summary["status"] == "failed"
    assert sandbox.snapshot()["customers"] == []


def test_an_import_that_processes_less_than_it_received_is_reported(
    start_sandbox: StartSandbox, tmp_path: Path
) -> None:
    sandbox = start_sandbox(faults=FaultConfig(short_imports=1))
    messages = [
        *stream_messages("customers", [_customer(n) for n in range(4)], key="id"),
        *stream_messages("orders", [_order(n, n) for n in range(4)], key="id"),
    ]
    run = run_target(tmp_path, sandbox.base_url, messages)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.summary["import_shortfall"]["customers"] == 1
    assert run.summary["import_shortfall"]["orders"] == 1
    assert "processed 3/4 customers and 3/4 orders" in run.stderr


def test_a_stalled_import_process_times_out_without_state(start_sandbox: StartSandbox, tmp_path: Path) -> None:
    sandbox = start_sandbox(faults=FaultConfig(stall_imports=True))
    messages = [*stream_messages("customers", [_customer(1)], key="id"), {"type": "STATE", "value": {"done": True}}]
    run = run_target(tmp_path, sandbox.base_url, messages, import_timeout_seconds=1.5)
    assert run.returncode != 0
    assert run.states == []
    assert "did not complete within 2s" in run.stderr or "did not complete within 1s" in run.stderr


def test_wrong_connector_type_406_stops_at_once_with_an_explanation(
    start_sandbox: StartSandbox, tmp_path: Path
) -> None:
    sandbox = start_sandbox(connector_type="prestashop")
    messages = [*stream_messages("customers", [_customer(1)], key="id"), {"type": "STATE", "value": {"done": True}}]
    run = run_target(tmp_path, sandbox.base_url, messages)
    assert run.returncode == 1
    assert run.states == []
    assert "Use Rfmcube's API" in run.stderr and "Retrying will not help" in run.stderr
    assert len(sandbox.request_log()) == 1


def test_wrong_api_key_401_stops_at_once_and_never_prints_the_key(start_sandbox: StartSandbox, tmp_path: Path) -> None:
    sandbox = start_sandbox(api_key="the-right-key")
    messages = [*stream_messages("customers", [_customer(1)], key="id"), {"type": "STATE", "value": {"done": True}}]
    run = run_target(tmp_path, sandbox.base_url, messages, env={"LOGLEVEL": "DEBUG"})
    assert run.returncode == 1
    assert run.states == []
    assert "check api_key" in run.stderr
    assert KEY not in run.stderr and KEY not in run.stdout
    assert KEY not in (tmp_path / "summary.json").read_text()
    assert len(sandbox.request_log()) == 1
