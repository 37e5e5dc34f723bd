"""target-connectif through a storm of 429s, 5xx and dropped connections, and vendor-side failures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests

from target_connectif.sandbox import FaultConfig

from .runs import CONNECTIF_KEY, contacts, products, purchases, run_connectif, stream_messages

# 15 requests per fixed 1 s window at the sandbox (900/min); the target is told 800/min. An injected
# 429 (no Retry-After, as Connectif) holds every thread until the window resets.
WINDOW_LIMIT, WINDOW_SECONDS, PER_MINUTE = 15, 1.0, 800


def test_429_and_5xx_storm_delivers_everything_within_the_budget(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox(
        rate_limit=WINDOW_LIMIT,
        window_seconds=WINDOW_SECONDS,
        import_seconds=0.3,
        faults=FaultConfig(rate_429=0.20, rate_5xx=0.05, rate_drop=0.02, seed=5),
    )
    coupons = [{"code": f"CODE-{n:04d}"} for n in range(120)]
    messages = [
        *stream_messages("contacts", contacts(400), key="_email", state_every=100),
        *stream_messages("products", products(30), key="productId", state_every=10),
        *stream_messages("purchases", purchases(60, product_count=30), key="purchaseId", state_every=20),
        *stream_messages("coupons", coupons, key="code"),
        {"type": "STATE", "value": {"bookmarks": {"all": "done"}}},
    ]

    run = run_connectif(
        tmp_path,
        sandbox.base_url,
        messages,
        max_requests_per_minute=PER_MINUTE,
        max_retries=12,
        poll_interval_seconds=0.2,
        poll_max_interval_seconds=0.5,
    )

    assert run.returncode == 0, run.stderr[-3000:]
    assert run.rejects == []
    summary = sandbox.summary()
    assert summary["contacts"] == 400
    assert summary["products"] == 30
    assert summary["purchases"] == 60 and summary["duplicate_purchases"] == 0
    assert summary["coupons"] == 120
    assert run.states[-1] == messages[-1]["value"]
    requests = summary["requests"]
    assert requests["injected"] > 10, "the storm must actually have happened"
    assert requests["rate_limited"] == 0, "no request may go beyond the budget"
    assert requests["max_in_window"] <= WINDOW_LIMIT


def test_the_budget_other_integrations_use_slows_the_target_down(start_sandbox: Any, tmp_path: Path) -> None:
    # 20 per 2 s window, of which other integrations of the account use 10 each window.
    sandbox = start_sandbox(rate_limit=20, window_seconds=2.0, foreign_requests_per_window=10)

    run = run_connectif(
        tmp_path,
        sandbox.base_url,
        stream_messages("contacts", contacts(40), key="_email"),
        max_requests_per_minute=600,
        bulk_threshold=1000,
    )

    assert run.returncode == 0, run.stderr[-3000:]
    assert sandbox.summary()["contacts"] == 40
    assert sandbox.summary()["requests"]["rate_limited"] <= 1


def test_a_failed_import_fails_the_run_without_state(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox(faults=FaultConfig(fail_imports=1))
    messages = [*stream_messages("contacts", contacts(150), key="_email"), {"type": "STATE", "value": {"x": 1}}]

    run = run_connectif(tmp_path, sandbox.base_url, messages)

    assert run.returncode == 1
    assert run.states == []
    assert "ended with status 'error'" in run.stderr
    assert sandbox.summary()["contacts"] == 0


def test_a_stalled_import_times_out_without_state(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox(faults=FaultConfig(stall_imports=True))
    messages = [*stream_messages("contacts", contacts(150), key="_email"), {"type": "STATE", "value": {"x": 1}}]

    run = run_connectif(tmp_path, sandbox.base_url, messages, import_timeout_seconds=1.5)

    assert run.returncode == 1
    assert run.states == []
    assert "did not finish within" in run.stderr


def test_a_full_import_queue_waits_for_our_own_imports(start_sandbox: Any, tmp_path: Path) -> None:
    # Coupons: one drain splits into several imports (a contacts batch is one import file, awaited).
    sandbox = start_sandbox(max_queued_imports=1, import_seconds=0.3)
    codes = [{"code": f"CODE-{n:05d}"} for n in range(300)]

    run = run_connectif(
        tmp_path, sandbox.base_url, stream_messages("coupons", codes, key="code"), max_import_bytes=2000
    )

    assert run.returncode == 0, run.stderr[-3000:]
    assert sandbox.summary()["coupons"] == 300
    assert run.summary["import_api"]["imports"] >= 3
    assert (
        run.summary["import_api"]["requests"]
        > run.summary["import_api"]["imports"] + run.summary["import_api"]["polls"]
    )


def test_wrong_api_key_stops_at_once_and_never_prints_either_half(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox(api_key="right-id:right-secret")
    messages = [*stream_messages("contacts", contacts(3), key="_email"), {"type": "STATE", "value": {"x": 1}}]

    run = run_connectif(tmp_path, sandbox.base_url, messages, env={"LOGLEVEL": "DEBUG"})

    assert run.returncode == 1
    assert run.states == []
    assert "check api_key" in run.stderr
    secret = CONNECTIF_KEY.partition(":")[2]
    for text in (run.stderr, run.stdout, (tmp_path / "summary.json").read_text()):
        assert CONNECTIF_KEY not in text and secret not in text


def test_a_queue_full_of_other_integrations_imports_fails_the_batch_in_time(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox(max_queued_imports=1, faults=FaultConfig(stall_imports=True))
    foreign = requests.post(
        f"{sandbox.base_url}/imports/",
        headers={"Authorization": f"apiKey {CONNECTIF_KEY}"},
        data={"type": "contacts", "overrideExisting": "true", "updateOnlyEmptyFields": "false", "delimiter": ","},
        files={"file": ("c.csv", b"_email\nother@example.cz\n", "text/csv")},
        timeout=10,
    )
    assert foreign.status_code == 201
    messages = [*stream_messages("contacts", contacts(150), key="_email"), {"type": "STATE", "value": {"x": 1}}]

    run = run_connectif(tmp_path, sandbox.base_url, messages, import_timeout_seconds=1.0, poll_max_interval_seconds=0.2)

    assert run.returncode == 1
    assert run.states == []
    assert "import queue stayed full" in run.stderr


def _contacts_with_one_bad_age() -> list[dict[str, Any]]:
    people = contacts(150)
    people[7]["age"] = "old"
    return people


def test_an_error_report_that_cannot_be_downloaded_names_the_status_and_what_to_do(
    start_sandbox: Any, tmp_path: Path
) -> None:
    sandbox = start_sandbox(contact_fields={"shop_language": "text", "age": "integer"}, error_report_status=403)
    messages = [
        *stream_messages("contacts", _contacts_with_one_bad_age(), key="_email"),
        {"type": "STATE", "value": {"x": 1}},
    ]

    run = run_connectif(tmp_path, sandbox.base_url, messages)

    assert run.returncode == 1 and run.states == []
    assert "its error report could not be read: the download answered HTTP 403 Forbidden" in run.stderr
    assert "rerun the pipeline" in run.stderr and "proxy or firewall" in run.stderr


def test_reasons_come_from_the_column_the_error_report_added(start_sandbox: Any, tmp_path: Path) -> None:
    fields = {"shop_language": "text", "age": "integer"}
    renamed = start_sandbox(contact_fields=fields, error_report_reason_column="errorMessage")
    none = start_sandbox(contact_fields=fields, error_report_reason_column="")
    people = stream_messages("contacts", _contacts_with_one_bad_age(), key="_email")

    taken = run_connectif(tmp_path / "renamed", renamed.base_url, people)
    missing = run_connectif(tmp_path / "none", none.base_url, people)

    assert taken.returncode == 0 and missing.returncode == 0, missing.stderr[-2000:]
    reason = taken.rejects[0]["record"]["_reject_reason"]
    assert "age" in reason and "no reason given" not in reason
    assert "errorMessage" not in taken.rejects[0]["record"]  # the report's column is not a record field
    assert "no reason given" in missing.rejects[0]["record"]["_reject_reason"]
    assert "has no 'reason' column and no column the uploaded file did not have" in missing.stderr
    assert "error_report_without_reasons" in missing.summary
