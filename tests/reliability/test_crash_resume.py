"""Crash and resume: `kill -9` and SIGTERM mid-run, then a rerun from the last STATE the target emitted.

Each target runs on its soak input (60,000 records, light faults) as a live process whose SDK
drains every sink and emits STATE every second (see `soak_inputs.DRAIN_RUNNER`); once it has
emitted STATE for the first quarter and is sending the rest, it is killed. Another run is killed
by the sandbox itself, right after it processed a create call and before it answered (the
ledger has it pending). At that moment every valid record the last emitted STATE covers must
already be in the sandbox.
It is then rerun as meltano would: same config and work dir (ledgers, customer index), input
= the SCHEMA messages and every message after that STATE's position. Afterwards the sandbox
holds every valid record, once (events: at least once), and the rejects files every invalid one.

SIGTERM is sent at several moments: while a call is held by a sandbox stall, while an import
is being polled, and between batches (the target idle on its input). During a delivery the
target must stop at once without STATE (exit 143; meltano/sdk#3775); between batches the SDK's
graceful drain delivers what is staged and emits STATE (exit 0).
"""

from __future__ import annotations

import json
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from api_target_kit.sandbox import FaultConfig, SandboxApp

from ..target_harness import run_target, stream_messages
from .conftest import StartSandbox
from .soak_inputs import (
    CREATE_CALLS,
    FAST_SANDBOX,
    TARGETS,
    LiveRun,
    Message,
    SoakTarget,
    StreamInput,
    all_rejects,
    check_delivery,
    covered_are_delivered,
    in_flight,
    invalid_keys,
    last_state,
    new_case,
    rejected_keys,
    resume_input,
    run_settings,
    start_fed_run,
    wait_until_answered,
    write_figures,
)

LIGHT_FAULTS = FaultConfig(rate_5xx=0.02, rate_drop=0.005, rate_drop_after=0.005, seed=9)
KILL_RECORDS = 60_000
#: The kill comes this many calls into the delivery of the second half of the input.
KILL_AFTER_CALLS = 5
SIGTERM_RECORDS = 12_000
EXIT_ON_SIGTERM = 128 + signal.SIGTERM

#: Figures of this module, written once per target after its tests.
FIGURES: dict[str, dict[str, Any]] = {}


def resume_and_check(
    target: SoakTarget,
    sandbox: SandboxApp[Any],
    workdir: Path,
    streams: list[StreamInput],
    messages: list[Message],
    state: dict[str, Any] | None,
) -> dict[str, Any]:
    """Rerun from `state` as meltano would; the union of both runs must be complete, once."""
    sandbox.set_faults(FaultConfig())
    resumed = run_target(
        target.vendor.module,
        workdir,
        sandbox.base_url,
        resume_input(messages, state),
        api_key=target.vendor.api_key,
        **{**target.vendor.settings, **target.settings, **run_settings(target)},
    )
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert resumed.states[-1] == last_state(messages)
    wait_until_answered(sandbox)
    data, counts = sandbox.snapshot(), sandbox.summary()
    delivery = check_delivery(target, streams, data)
    assert delivery.missing == [], f"{len(delivery.missing)} records lost, e.g. {delivery.missing[:5]}"
    assert delivery.duplicated == [], f"stored twice: {delivery.duplicated[:5]}"
    assert delivery.unexpected == [] and delivery.wrong == [], (delivery.unexpected[:3], delivery.wrong[:3])
    assert counts.get("duplicate_transactions", 0) == 0 and counts.get("duplicate_purchases", 0) == 0
    assert rejected_keys(target, all_rejects(workdir)) == invalid_keys(target, streams)
    return {
        "resumed_from_position": None if state is None else state["position"],
        "resumed_messages": len(resume_input(messages, state)),
        "records_missing": len(delivery.missing),
        "duplicates": len(delivery.duplicated),
        "at_least_once_repeats": delivery.at_least_once_repeats,
        "rejects_accounted": True,
    }


@pytest.mark.parametrize("name", list(TARGETS))
def test_kill_9_mid_run_then_resume_loses_nothing_and_sends_nothing_twice(
    name: str, start_sandbox: StartSandbox, tmp_path: Path
) -> None:
    target, streams, messages, sandbox = new_case(name, start_sandbox, KILL_RECORDS, blocks=100, faults=LIGHT_FAULTS)
    live, _, rest = start_fed_run(target, tmp_path, sandbox, messages, **run_settings(target))
    calls = len(sandbox.request_log())
    live.feed(rest, background=True, last=True)
    live.wait_until(lambda: len(sandbox.request_log()) >= calls + KILL_AFTER_CALLS, "the rest of the input to be sent")
    live.process.kill()
    code = live.finish()

    assert code == -signal.SIGKILL
    state = live.states[-1]
    assert state != last_state(messages), "killed after the end: nothing to resume"
    assert covered_are_delivered(target, streams, messages, state, sandbox.snapshot()) == []
    figures = resume_and_check(target, sandbox, tmp_path, streams, messages, state)
    FIGURES.setdefault(name, {})["kill_9"] = {
        "records": sum(len(s.records) for s in streams),
        "states_before_kill": len(live.states),
        **figures,
    }
    write_figures(name, "crash-resume", FIGURES[name])


@pytest.mark.parametrize("name", list(CREATE_CALLS))
def test_kill_9_after_the_vendor_took_a_create_before_the_ledger_knew(
    name: str, start_sandbox: StartSandbox, tmp_path: Path
) -> None:
    """The sandbox kills the target right after processing a create, before answering it."""
    target, streams, messages, sandbox = new_case(name, start_sandbox, SIGTERM_RECORDS)
    create, check = CREATE_CALLS[name]
    live, _, rest = start_fed_run(target, tmp_path, sandbox, messages, **run_settings(target))
    process = sandbox.core.process

    def process_then_kill(request: Any) -> Any:
        response = process(request)
        if request.path.rstrip("/") == create.rstrip("/") and response.status < 300:
            live.process.kill()
        return response

    sandbox.core.process = process_then_kill  # type: ignore[method-assign]
    live.feed(rest, background=True, last=True)
    code = live.finish()
    sandbox.core.process = process  # type: ignore[method-assign]

    assert code == -signal.SIGKILL, live.stderr[-3000:]
    state = live.states[-1]
    assert covered_are_delivered(target, streams, messages, state, sandbox.snapshot()) == []
    figures = resume_and_check(target, sandbox, tmp_path, streams, messages, state)
    checks = json.loads((tmp_path / "summary.json").read_text())["api"]["calls_by_endpoint"].get(check, 0)
    if check is not None:
        assert checks >= 1, f"the rerun did not check the pending create with {check}"
    FIGURES.setdefault(name, {})["kill_9_after_the_vendor_took_a_create"] = {
        "create": create,
        "rerun_checks": {check: checks} if check else "re-imported (an upsert)",
        **figures,
    }
    write_figures(name, "crash-resume", FIGURES[name])


#: Where each target polls its imports: `/v1/processes/{id}`, `/imports/{id}`.
POLL_PATHS = {"rfmcube": "/v1/processes/", "connectif": "/imports/"}


def hold_a_delivery(name: str, moment: str, live: LiveRun, sandbox: SandboxApp[Any], go_on: Callable[[], None]) -> None:
    """Hold the target's next delivery (after `go_on()`): a stalled call, or an import that stays running."""
    calls = len(sandbox.request_log())
    if moment == "during_a_call":
        sandbox.set_faults(FaultConfig(rate_stall=1.0, stall_seconds=2))
        go_on()
        live.wait_until(lambda: in_flight(sandbox) > 0, "a call held by a stall", timeout=30)
        return
    sandbox.set_faults(FaultConfig(stall_imports=True))
    go_on()

    def polled_twice() -> bool:
        prefix = POLL_PATHS[name]
        polls = [r for r in sandbox.request_log()[calls:] if r["path"].startswith(prefix) and r["path"] != prefix]
        return len(polls) >= 2

    live.wait_until(polled_twice, "two polls of an import held running", timeout=30)


CASES = [
    ("rfmcube", "during_a_call"),
    ("rfmcube", "during_an_import_poll"),
    ("rfmcube", "between_batches"),
    ("ecomail", "during_a_call"),
    ("ecomail", "between_batches"),
    ("connectif", "during_a_call"),
    ("connectif", "during_an_import_poll"),
    ("connectif", "between_batches"),
]


@pytest.mark.parametrize(("name", "moment"), CASES)
def test_sigterm_never_leaves_a_state_past_an_undelivered_record(
    name: str, moment: str, start_sandbox: StartSandbox, tmp_path: Path
) -> None:
    target, streams, messages, sandbox = new_case(name, start_sandbox, SIGTERM_RECORDS)
    live, second, rest = start_fed_run(target, tmp_path, sandbox, messages, **run_settings(target))
    states_before = len(live.states)

    if moment == "between_batches":
        live.process.send_signal(signal.SIGTERM)
        code = live.finish()
        assert code == 0, live.stderr[-3000:]
        assert live.states[-1] == second[-1]["value"], "the graceful drain emits the last STATE read"
        assert len(live.states) == states_before + 1
    else:
        hold_a_delivery(name, moment, live, sandbox, lambda: live.feed(rest, background=True))
        live.process.send_signal(signal.SIGTERM)
        code = live.finish()
        assert code == EXIT_ON_SIGTERM, live.stderr[-3000:]
        assert "stopping without STATE" in live.stderr
        assert len(live.states) == states_before, "no STATE after a SIGTERM during a delivery"
        assert live.summary()["status"] == "failed"
        sandbox.set_faults(FaultConfig())
        wait_until_answered(sandbox)

    assert "Traceback" not in live.stderr
    state = live.states[-1]
    assert covered_are_delivered(target, streams, messages, state, sandbox.snapshot()) == []
    figures = resume_and_check(target, sandbox, tmp_path, streams, messages, state)
    FIGURES.setdefault(name, {}).setdefault("sigterm", {})[moment] = {
        "exit_code": code,
        "states_emitted": len(live.states),
        "last_state_covers_only_delivered_records": True,
        **figures,
    }
    write_figures(name, "crash-resume", FIGURES[name])


# ----- kill -9 while per-record creates wait for their rate-limit slots -----------------------

#: Per-record creates that must not run twice: how many, and how slowly (so that they queue on
#: the rate limit: 8 threads, one call every ~0.5 s). The kill comes once the vendor took
#: `TAKEN_BEFORE_KILL` of them, the last one before it answered (that answer is lost).
QUEUED_CALLS = 10
SLOW_REQUESTS_PER_MINUTE = 120
TAKEN_BEFORE_KILL = 5


def _queued_input(name: str) -> tuple[str, str, list[Message]]:
    """The per-record create stream, its key field, and an input: what it needs first, then `QUEUED_CALLS` of it."""
    people = [f"queued{n}@example.cz" for n in range(QUEUED_CALLS)]
    if name == "ecomail":
        return (
            "automation_triggers",
            "email",
            [
                *stream_messages("subscribers", [{"email": p, "name": "Jana"} for p in people], key="email"),
                *stream_messages(
                    "automation_triggers", [{"pipeline_id": "1", "email": p} for p in people], key="email"
                ),
            ],
        )
    products = [
        {
            "productId": f"QP{n}",
            "name": f"Nůž {n}",
            "productDetailUrl": f"https://shop.example.cz/p/q{n}",
            "unitPrice": 10.5,
            "categories": ["Kitchen/Knives"],
            "availability": "instock",
        }
        for n in range(2)
    ]
    purchases = [
        {
            "purchaseId": f"QPUR{n:03d}",
            "contactEmail": person,
            "purchaseDate": "2026-03-01T09:00:00Z",
            "totalPrice": 21.0,
            "totalQuantity": 2,
            "products": [{"productId": f"QP{n % 2}", "quantity": 2, "price": 21.0, "unitPrice": 10.5}],
        }
        for n, person in enumerate(people)
    ]
    return (
        "purchases",
        "purchaseId",
        [
            *stream_messages("contacts", [{"_email": p, "_name": "Jana"} for p in people], key="_email"),
            *stream_messages("products", products, key="productId"),
            *stream_messages("purchases", purchases, key="purchaseId"),
        ],
    )


#: Per target: the create call whose answer the kill loses, and where the sandbox keeps what it created.
QUEUED_CREATES = {"ecomail": ("/pipelines/1/trigger", "automation_runs"), "connectif": ("/purchases", "purchases")}


@pytest.mark.parametrize("name", list(QUEUED_CREATES))
def test_kill_9_while_creates_wait_for_slots_leaves_only_the_one_in_flight_to_check(
    name: str, start_sandbox: StartSandbox, tmp_path: Path
) -> None:
    """Only a call that left is pending after a crash: the rerun sends those that never left, once."""
    target = TARGETS[name]
    stream, key, messages = _queued_input(name)
    create, stored = QUEUED_CREATES[name]
    sandbox = start_sandbox(name, **FAST_SANDBOX, **target.sandbox)
    settings = {**run_settings(target), "max_requests_per_minute": SLOW_REQUESTS_PER_MINUTE}
    if name == "connectif":
        # Only the ledger's pending marks decide what is looked up (by default every purchase the
        # ledger does not know is looked up, which would hide a wrong pending mark).
        settings["verify_new_purchases"] = False
    live = LiveRun(target, tmp_path, sandbox.base_url, messages, **settings)
    process = sandbox.core.process
    taken: list[str] = []

    def take_then_kill(request: Any) -> Any:
        response = process(request)
        if request.method == "POST" and request.path.rstrip("/") == create and response.status < 300:
            taken.append(str(json.loads(request.body or b"{}").get("purchaseId" if name == "connectif" else "email")))
            if len(taken) == TAKEN_BEFORE_KILL:
                live.process.kill()  # the answer to this call is lost; the others wait for their slots
        return response

    sandbox.core.process = take_then_kill  # type: ignore[method-assign]
    code = live.finish()
    sandbox.core.process = process  # type: ignore[method-assign]
    assert code == -signal.SIGKILL, live.stderr[-3000:]
    lost = taken[-1]
    wait_until_answered(sandbox)
    before_rerun = len(sandbox.snapshot()[stored])
    assert before_rerun == TAKEN_BEFORE_KILL, "the kill came while the others waited for their slots"

    rerun = run_target(
        target.vendor.module,
        tmp_path,
        sandbox.base_url,
        messages,
        api_key=target.vendor.api_key,
        **{**target.vendor.settings, **target.settings, **settings},
    )

    assert rerun.returncode == 0, rerun.stderr[-3000:]
    keys = [str(r["email"] if name == "ecomail" else r["purchaseId"]) for r in sandbox.snapshot()[stored]]
    expected = sorted({str(m["record"][key]) for m in messages if m["type"] == "RECORD" and m["stream"] == stream})
    assert sorted(keys) == expected, "every create exactly once (none missing, none twice)"
    sent = rerun.summary["streams"][stream]["sent"]
    checks = rerun.summary["api"]["calls_by_endpoint"].get("/purchases/purchase-id/{id}", 0)
    rejected = [m["record"][key] for m in all_rejects(tmp_path)]
    if name == "ecomail":
        # Never sent: fired by the rerun. The one in flight: rejected for the operator to check.
        assert sent == QUEUED_CALLS - TAKEN_BEFORE_KILL
        assert rejected == [lost]
        assert rerun.summary["status"] == "needs_attention"
        last_line = rerun.stderr.strip().splitlines()[-1]
        assert "Needs attention: 1 automation_triggers record" in last_line
        assert str(tmp_path / "rejects.singer") in last_line
    else:
        # The one in flight is looked up (it arrived: not sent again); the others are created.
        assert checks == 1, "only the purchase in flight is checked"
        assert sent == QUEUED_CALLS - TAKEN_BEFORE_KILL + 1
        assert rejected == []
        assert rerun.summary["status"] == "succeeded"
    FIGURES.setdefault(name, {})["kill_9_while_creates_wait_for_slots"] = {
        "stream": stream,
        "calls": QUEUED_CALLS,
        "taken_before_kill": TAKEN_BEFORE_KILL,
        "never_sent": QUEUED_CALLS - before_rerun,
        "rerun_sent": sent,
        "rerun_checks": checks,
        "rerun_rejected_to_check": len(rejected),
        "created_twice": len(keys) - len(set(keys)),
        "missing": len(set(expected) - set(keys)),
        "rerun_exit_code": rerun.returncode,
        "rerun_status": rerun.summary["status"],
    }
    write_figures(name, "crash-resume", FIGURES[name])
