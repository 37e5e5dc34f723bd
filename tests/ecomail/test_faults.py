"""target-ecomail through a storm of 429s, 5xx and dropped connections, and vendor-side failures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from target_ecomail.sandbox import FaultConfig

from .runs import ECOMAIL_KEY, run_ecomail, stream_messages, subscribers, transactions

# 50 requests per 10 s at the sandbox (300/min); the target is told 300/min.
WINDOW_LIMIT, WINDOW_SECONDS, PER_MINUTE = 50, 10.0, 300


def _storm_input() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    people = subscribers(600)
    events = [
        {"event_id": f"E{n}", "email": people[n]["email"], "category": "ue", "action": "Basket", "value": {"n": n}}
        for n in range(40)
    ]
    coupons = [{"code": f"CODE-{n:04d}", "valid_until": "2027-01-31"} for n in range(30)]
    triggers = [{"trigger_id": f"T{n}", "pipeline_id": 1, "email": people[n]["email"]} for n in range(10)]
    messages = [
        *stream_messages("subscribers", people, key="email", state_every=100),
        *stream_messages("transactions", transactions(300), key="order_id", state_every=100),
        *stream_messages("events", events, key="event_id", state_every=10),
        *stream_messages("coupons", coupons, key="code"),
        *stream_messages("automation_triggers", triggers, key="trigger_id"),
        {"type": "STATE", "value": {"bookmarks": {"all": "done"}}},
    ]
    return messages, messages[-1]["value"]


def test_429_and_5xx_storm_delivers_everything_within_the_budget(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox(
        rate_limit=WINDOW_LIMIT,
        window_seconds=WINDOW_SECONDS,
        faults=FaultConfig(rate_429=0.20, rate_5xx=0.05, rate_drop=0.02, retry_after_seconds=1, seed=11),
    )
    messages, last_state = _storm_input()

    run = run_ecomail(
        tmp_path,
        sandbox.base_url,
        messages,
        max_requests_per_minute=PER_MINUTE,
        max_retries=12,
        subscribe_bulk_size=50,
        batch_size_rows=60,
    )

    assert run.returncode == 0, run.stderr[-3000:]
    summary = sandbox.summary()
    assert summary["subscribers_subscribed"] == 600
    assert summary["transactions"] == 300 and summary["duplicate_transactions"] == 0
    assert summary["coupons"] == 30
    assert summary["events"] >= 40  # events are at least once: a lost answer is sent again
    fired = run.summary["streams"]["automation_triggers"]
    assert summary["automation_runs"] == fired["sent"]  # a trigger is never fired twice
    assert fired["sent"] + fired["rejected"] == 10
    assert all("Not sent again" in r["record"]["_reject_reason"] for r in run.rejects)
    assert run.states[-1] == last_state
    requests = summary["requests"]
    assert requests["injected"] > 10, "the storm must actually have happened"
    assert requests["rate_limited"] == 0, "no request may go beyond the budget"
    assert requests["max_in_window"] <= WINDOW_LIMIT


def test_a_lost_answer_to_a_transaction_bulk_call_creates_no_duplicate(start_sandbox: Any, tmp_path: Path) -> None:
    # Half the calls are processed, then their connection drops before the answer.
    sandbox = start_sandbox(faults=FaultConfig(rate_drop_after=0.5, seed=3))
    orders = transactions(20)

    run = run_ecomail(tmp_path, sandbox.base_url, stream_messages("transactions", orders, key="order_id"))

    assert run.returncode == 0, run.stderr[-3000:]
    summary = sandbox.summary()
    assert summary["transactions"] == 20
    assert summary["duplicate_transactions"] == 0
    assert summary["requests"]["by_status"].get("dropped", 0) >= 1
    assert any(r["path"] == "/tracker/transaction-bulk" and r["status"] is None for r in sandbox.request_log())


def test_wrong_api_key_stops_at_once_and_never_prints_the_key(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox(api_key="the-right-key")
    messages = [*stream_messages("subscribers", subscribers(3), key="email"), {"type": "STATE", "value": {"x": 1}}]

    run = run_ecomail(tmp_path, sandbox.base_url, messages, env={"LOGLEVEL": "DEBUG"})

    assert run.returncode == 1
    assert run.states == []
    assert "check api_key" in run.stderr
    for text in (run.stderr, run.stdout, (tmp_path / "summary.json").read_text()):
        assert ECOMAIL_KEY not in text
    assert len(sandbox.request_log()) == 1


def test_an_unknown_list_stops_the_run_with_what_to_check(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox()
    messages = [*stream_messages("subscribers", subscribers(3), key="email"), {"type": "STATE", "value": {"x": 1}}]

    run = run_ecomail(tmp_path, sandbox.base_url, messages, list_id="999")

    assert run.returncode == 1
    assert run.states == []
    assert "list_id" in run.stderr
