"""Vendor-side failures mid-run: the run stops saying what to do, exits non-zero, and no STATE covers
a record the vendor did not take.

Each case is a live run (see `soak_inputs.start_fed_run`) that has already emitted STATE for the
first quarter of its input and staged the second; then the sandbox starts failing (an import that
fails or never ends, Rfmcube's 406, Ecomail's unknown list, a 401) and the rest of the input is
fed. The run must end with exit code 1, a message naming what to do and no traceback; it emits
no STATE after the failure, and every record the last STATE covers is in the sandbox while some
records after it are not (the failure did hit them). Rfmcube's 416 is not a stop: the import is
split in halves until it fits, and everything arrives.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from api_target_kit.sandbox import FaultAction, FaultConfig, FaultDecision

from .conftest import StartSandbox
from .soak_inputs import (
    CREATE_CALLS,
    Message,
    check_delivery,
    covered_are_delivered,
    last_state,
    new_case,
    run_settings,
    start_fed_run,
    wait_until_answered,
    write_figures,
)

RECORDS = 12_000


def _on_list_999(messages: list[Message]) -> list[Message]:
    """Subscribers of the rest of the input go to list 999, which does not exist."""
    return [
        {**m, "record": {**m["record"], "list_id": "999"}} if m.get("stream") == "subscribers" else m for m in messages
    ]


@dataclass(frozen=True)
class Failure:
    """A vendor-side failure: how the sandbox starts it, and what the target must say."""

    name: str
    target: str
    faults: FaultConfig | None
    says: tuple[str, ...]
    settings: dict[str, Any] = field(default_factory=dict)
    rest: Callable[[list[Message]], list[Message]] = list


UNAUTHORISED = FaultConfig(fail_next=[{"status": 401, "path": None, "count": 1}])
FAILURES = [
    Failure(
        "import_failed", "rfmcube", FaultConfig(fail_imports=1), ("ended with status 'failed'", "Rerun the pipeline")
    ),
    Failure(
        "import_stalled",
        "rfmcube",
        FaultConfig(stall_imports=True),
        ("did not complete within 2s", "raise import_timeout_seconds"),
        {"import_timeout_seconds": 2},
    ),
    Failure(
        "406_wrong_connector",
        "rfmcube",
        FaultConfig(fail_next=[{"status": 406, "path": "/import", "count": 1}]),
        ("Use Rfmcube's API", "Retrying will not help"),
    ),
    Failure("401_mid_run", "rfmcube", UNAUTHORISED, ("check api_key",)),
    Failure("404_unknown_list", "ecomail", None, ("check list_id",), rest=_on_list_999),
    Failure("401_mid_run", "ecomail", UNAUTHORISED, ("check api_key",)),
    Failure(
        "import_failed", "connectif", FaultConfig(fail_imports=1), ("ended with status 'error'", "Rerun the pipeline")
    ),
    Failure(
        "import_stalled",
        "connectif",
        FaultConfig(stall_imports=True),
        ("did not finish within 2s", "raise import_timeout_seconds"),
        {"import_timeout_seconds": 2},
    ),
    Failure("401_mid_run", "connectif", UNAUTHORISED, ("check api_key",)),
]
FIGURES: dict[str, dict[str, Any]] = {}


@pytest.mark.parametrize("failure", FAILURES, ids=lambda f: f"{f.target}-{f.name}")
def test_a_vendor_failure_stops_the_run_without_state_past_it(
    failure: Failure, start_sandbox: StartSandbox, tmp_path: Path
) -> None:
    target, streams, messages, sandbox = new_case(failure.target, start_sandbox, RECORDS)
    live, _, rest = start_fed_run(target, tmp_path, sandbox, messages, **run_settings(target), **failure.settings)
    states_before = len(live.states)

    if failure.faults is not None:
        sandbox.set_faults(failure.faults)
    live.feed(failure.rest(rest), background=True, last=True)
    code = live.finish()

    stderr = live.stderr
    assert code == 1, stderr[-3000:]
    for words in failure.says:
        assert words in stderr, f"{words!r} not in: {stderr[-2000:]}"
    assert "Traceback" not in stderr
    assert len(live.states) == states_before, "no STATE after the failure"
    data = sandbox.snapshot()
    state = live.states[-1]
    assert covered_are_delivered(target, streams, messages, state, data) == []
    not_delivered = check_delivery(target, streams, data).missing
    assert not_delivered, "the failure hit no record"
    FIGURES.setdefault(target.name, {})[failure.name] = {
        "exit_code": code,
        "says": list(failure.says),
        "last_state_position": state["position"],
        "records_not_delivered": len(not_delivered),
        "state_covers_an_undelivered_record": False,
    }
    write_figures(target.name, "vendor-failures", FIGURES[target.name])


def test_rfmcube_416_splits_the_import_until_it_fits(start_sandbox: StartSandbox, tmp_path: Path) -> None:
    # Rfmcube takes less than the target was told (200 kB against 50 MB): the first import is
    # refused with 416 and sent again in pieces cut at the learned cap (`RequestCap`), which
    # climbs back while requests pass; at most one more 416 on the way up, then every request
    # of the run fits (a 416 teaches the size once, not once per batch).
    target, streams, messages, sandbox = new_case("rfmcube", start_sandbox, RECORDS, max_request_bytes=200_000)
    live, _, rest = start_fed_run(target, tmp_path, sandbox, messages, **run_settings(target))
    live.feed(rest, last=True)
    code = live.finish()

    assert code == 0, live.stderr[-3000:]
    assert "Traceback" not in live.stderr
    imports = [r for r in sandbox.request_log() if r["path"] == "/v1/import"]
    statuses = [r["status"] for r in imports]
    assert statuses[0] == 416 and statuses.count(416) <= 2 and statuses.count(200) >= 5
    assert statuses[-5:] == [200] * 5, "every request fits once the cap is learned"
    assert max(r["bytes"] for r in imports if r["status"] == 200) <= 200_000
    delivery = check_delivery(target, streams, sandbox.snapshot())
    assert delivery.missing == [] and delivery.duplicated == []
    assert live.states[-1] == last_state(messages)
    FIGURES.setdefault("rfmcube", {})["416_request_too_large"] = {
        "exit_code": code,
        "imports_refused_416": statuses.count(416),
        "records_missing": len(delivery.missing),
    }
    write_figures("rfmcube", "vendor-failures", FIGURES["rfmcube"])


@pytest.mark.parametrize("name", ["ecomail", "connectif"])
def test_a_create_the_vendor_processes_after_the_timeout_is_made_once(
    name: str, start_sandbox: StartSandbox, tmp_path: Path
) -> None:
    """The vendor takes 3 s over one create call while the target waits 1 s for an answer."""
    target, streams, messages, sandbox = new_case(name, start_sandbox, RECORDS)
    settings = {**run_settings(target), "request_timeout_seconds": 1, "late_arrival_seconds": 3}
    live, _, rest = start_fed_run(target, tmp_path, sandbox, messages, **settings)
    create, check = CREATE_CALLS[name]
    injector = sandbox.core.faults
    decide, stalled = injector.decide, []

    def stall_one_create(path: str) -> FaultDecision:
        if not stalled and path.rstrip("/") == create.rstrip("/"):
            stalled.append(path)
            return FaultDecision(FaultAction.STALL, stall_seconds=3)
        return decide(path)

    injector.decide = stall_one_create  # type: ignore[method-assign]
    live.feed(rest, background=True, last=True)
    code = live.finish()

    assert code == 0, live.stderr[-3000:]
    assert stalled, "no create call was stalled"
    wait_until_answered(sandbox)  # the stalled call lands after the run
    delivery = check_delivery(target, streams, sandbox.snapshot())
    counts = sandbox.summary()
    assert delivery.missing == [] and delivery.duplicated == [], (delivery.missing[:3], delivery.duplicated[:3])
    assert counts.get("duplicate_transactions", 0) == 0 and counts.get("duplicate_purchases", 0) == 0
    checks = live.summary()["api"]["calls_by_endpoint"].get(check, 0)
    assert checks >= 1, f"the lost create was not checked with {check}"
    FIGURES.setdefault(name, {})["create_processed_after_the_timeout"] = {
        "exit_code": code,
        "stalled": create,
        "checked_with": {check: checks},
        "records_missing": len(delivery.missing),
        "duplicates": len(delivery.duplicated),
    }
    write_figures(name, "vendor-failures", FIGURES[name])
