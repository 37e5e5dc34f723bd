"""Several target processes on one account: together within the vendor's limit, zero 429s.

Each process is target-ecomail with `double_opt_in` (one request per subscriber), paced to
the full limit on its own. The sandbox enforces 50 requests per 10 s (300/min); every process
is told 300/min. Sharing the account's bucket (SQLite on this machine, or Redis) keeps their
sum under the limit; without it (`quota_backend_url: none`) they run into 429s.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from ..ecomail.runs import ECOMAIL_KEY, subscribers
from ..target_harness import stream_messages, write_config

WINDOW_LIMIT, WINDOW_SECONDS, PER_MINUTE = 50, 10.0, 300
PER_PROCESS = 40
RESULTS = Path(__file__).resolve().parents[2] / "output" / "quota"


def _run_concurrently(sandbox: Any, tmp_path: Path, processes: int, quota_backend_url: str) -> list[int]:
    """Start `processes` targets at once, each with its own subscribers; return their exit codes."""
    running = []
    for number in range(processes):
        workdir = tmp_path / f"p{number}"
        config = write_config(
            workdir,
            sandbox.base_url,
            api_key=ECOMAIL_KEY,
            list_id="1",
            double_opt_in=True,
            max_requests_per_minute=PER_MINUTE,
            quota_backend_url=quota_backend_url,
            max_retries=20,
        )
        people = subscribers(PER_PROCESS, start=number * 1000)
        data = "".join(json.dumps(m) + "\n" for m in stream_messages("subscribers", people, key="email"))
        process = subprocess.Popen(
            [sys.executable, "-m", "target_ecomail", "--config", str(config)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        running.append((process, data))
    for process, data in running:
        assert process.stdin is not None
        process.stdin.write(data)
        process.stdin.close()
    return [process.wait(timeout=300) for process, _ in running]


def _combined_rate(sandbox: Any) -> float:
    """Requests per minute over the whole run, all processes together."""
    stamps = [r["t"] for r in sandbox.request_log()]
    return (len(stamps) - 1) / (max(stamps) - min(stamps)) * 60


def _record(name: str, sandbox: Any, processes: int, backend: str) -> dict[str, Any]:
    summary = sandbox.summary()
    figures = {
        "processes": processes,
        "backend": backend,
        "requests": summary["requests"]["total"],
        "combined_requests_per_minute": round(_combined_rate(sandbox), 1),
        "limit_per_minute": WINDOW_LIMIT * 60 / WINDOW_SECONDS,
        "busiest_window": summary["requests"]["max_in_window"],
        "window_limit": WINDOW_LIMIT,
        "rate_limited_429": summary["requests"]["rate_limited"],
        "subscribers_delivered": summary["subscribers_unconfirmed"],
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(figures, indent=2) + "\n")
    return figures


@pytest.mark.parametrize("processes", [2, 4])
def test_processes_sharing_the_machines_bucket_stay_within_the_limit(
    start_sandbox: Any, tmp_path: Path, processes: int
) -> None:
    sandbox = start_sandbox(rate_limit=WINDOW_LIMIT, window_seconds=WINDOW_SECONDS)
    shared = f"sqlite:///{tmp_path / 'machine-quota.sqlite'}"

    codes = _run_concurrently(sandbox, tmp_path, processes, shared)

    figures = _record(f"sqlite-{processes}", sandbox, processes, "sqlite")
    assert codes == [0] * processes
    assert figures["subscribers_delivered"] == processes * PER_PROCESS
    assert figures["rate_limited_429"] == 0
    assert figures["busiest_window"] <= WINDOW_LIMIT
    assert figures["combined_requests_per_minute"] <= figures["limit_per_minute"]


def test_processes_sharing_a_redis_bucket_stay_within_the_limit(
    start_sandbox: Any, tmp_path: Path, redis_url: str
) -> None:
    sandbox = start_sandbox(rate_limit=WINDOW_LIMIT, window_seconds=WINDOW_SECONDS)

    codes = _run_concurrently(sandbox, tmp_path, 2, redis_url)

    figures = _record("redis-2", sandbox, 2, "redis")
    assert codes == [0, 0]
    assert figures["subscribers_delivered"] == 2 * PER_PROCESS
    assert figures["rate_limited_429"] == 0
    assert figures["busiest_window"] <= WINDOW_LIMIT


def test_without_a_shared_bucket_two_processes_exceed_the_limit(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox(rate_limit=WINDOW_LIMIT, window_seconds=WINDOW_SECONDS)
    started = time.monotonic()

    codes = _run_concurrently(sandbox, tmp_path, 2, "none")

    figures = _record("none-2", sandbox, 2, "none")
    assert codes == [0, 0]  # still delivered, through 429s and retries
    assert figures["subscribers_delivered"] == 2 * PER_PROCESS
    assert figures["rate_limited_429"] > 0
    assert time.monotonic() - started < 120
