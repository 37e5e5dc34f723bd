"""Pacing at the vendor's REAL per-minute limit: achieved request rate within 5% of it, and no 429.

Per-record calls for at least `--minutes` (default 3) against a sandbox enforcing the vendor's
real limit over a 60 s window, with the target's default budget (`max_requests_per_minute` unset):

- Connectif contacts with `bulk_threshold` above the batch, so each goes as one
  `PATCH /contacts/email/{email}` (100/min, fixed windows aligned to the minute, as Connectif's);
- Rfmcube orders whose customers Rfmcube does not have, so each goes as one `POST /merge_order`
  (60/min, sliding window).

Both run at once (separate sandboxes, separate accounts). The rate is read from the sandbox's
request log: calls after the first / seconds between the first and the last call.

    .venv/bin/python bench/pacing.py
"""

from __future__ import annotations

import argparse
import json
import math
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import common

GOAL = 0.05
RFMCUBE_ORDERS = common.Entity(
    "rfmcube",
    "target_rfmcube",
    "bench-rfm-key",
    "/v1",
    "orders",
    "id",
    "orders",
    {"id": "B{n:08d}", "customerEmail": "orphan{n}.{v}", "customerId": "X{n:08d}"},
)


@dataclass(frozen=True)
class Case:
    """An entity sent one call per record, and the vendor's limit."""

    entity: common.Entity
    limit_per_minute: int
    call_path: str
    settings: dict[str, Any] = field(default_factory=dict)


CASES = (
    Case(common.CONNECTIF_CONTACTS, 100, "/contacts/email/", {"bulk_threshold": 1_000_000}),
    Case(RFMCUBE_ORDERS, 60, "/merge_order"),
)


def measure(case: Case, minutes: float) -> dict[str, Any]:
    """One run long enough for `minutes` of traffic at the target's pacing."""
    entity = case.entity
    records = math.ceil(case.limit_per_minute * 0.98 * minutes) + 1
    data = common.input_file(entity, records, state_every=0)
    work = common.WORK / "pacing" / entity.vendor
    with common.sandbox(entity, rate_limit=case.limit_per_minute, window_seconds=60.0) as sandbox:
        config = common.target_config(entity, work, sandbox.api_url, **case.settings)
        settings = json.loads(config.read_text())
        settings.pop("max_requests_per_minute")  # the vendor's limit, the target's default
        config.write_text(json.dumps(settings, indent=2))
        run = common.run_measured(common.target_command(entity, config), data, work)
        log = sandbox.requests()
        summary = sandbox.summary()
    target_summary = common.read_summary(work)
    sent = target_summary.get("streams", {}).get(entity.stream, {}).get("sent")
    if run.returncode != 0 or sent != records:
        raise RuntimeError(f"{entity.name}: exit {run.returncode}, sent {sent} of {records}: {run.stderr_tail}")
    times = [r["t"] for r in log]
    span = times[-1] - times[0]
    rate = 60 * (len(times) - 1) / span if span > 0 else 0.0
    per_record = sum(1 for r in log if case.call_path in r["path"])
    limit = case.limit_per_minute
    by_minute = Counter(int(t // 60) for t in times)
    full_minutes = sorted(by_minute)[1:-1]  # the first and last clock minutes are partial
    too_many = sum(1 for r in log if r["status"] == 429)
    deviation = abs(rate - limit) / limit
    return {
        "entity": entity.name,
        "records": records,
        "vendor_limit_per_minute": limit,
        "calls": len(log),
        "per_record_calls": per_record,
        "traffic_seconds": round(span, 1),
        "achieved_per_minute": round(rate, 2),
        "percent_of_limit": round(100 * rate / limit, 1),
        "calls_in_full_clock_minutes": [by_minute[m] for m in full_minutes],
        "busiest_window_sandbox": summary.get("requests", {}).get("max_in_window"),
        "status_429": too_many,
        "sandbox_rate_limited": summary.get("requests", {}).get("rate_limited"),
        "target_rate_limited_429": target_summary.get("api", {}).get("rate_limited_429"),
        "goal_met": deviation <= GOAL and too_many == 0 and span >= 120,
        "wall_seconds": round(run.wall_seconds, 1),
    }


def table(results: list[dict[str, Any]]) -> str:
    """The README table."""
    lines = [
        "| entity (one call per record) | vendor limit | calls | traffic | achieved rate | % of limit | calls per full clock minute | busiest 60 s window | 429s | goal (±5%, no 429) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        minutes = ", ".join(str(c) for c in r["calls_in_full_clock_minutes"])
        lines.append(
            f"| {r['entity']} | {r['vendor_limit_per_minute']}/min | {r['calls']} | {r['traffic_seconds']:.0f} s | "
            f"{r['achieved_per_minute']:.2f}/min | {r['percent_of_limit']}% | {minutes} | {r['busiest_window_sandbox']} | "
            f"{r['status_429']} | {'met' if r['goal_met'] else 'not met'} |"
        )
    return "\n".join(lines)


def main() -> int:
    """Run both cases at once, write bench/results/pacing.json, print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=3.0)
    args = parser.parse_args()
    state = common.machine_state()
    results: dict[str, dict[str, Any]] = {}
    errors: list[BaseException] = []

    def one(case: Case) -> None:
        try:
            results[case.entity.name] = measure(case, args.minutes)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(case,)) for case in CASES]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    ordered = [results[c.entity.name] for c in CASES]
    path = common.write_result("pacing", {"machine": state, "results": ordered})
    print(table(ordered))
    print(f"\nwritten to {path.relative_to(common.ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
