"""How much of the vendor's bulk maximum each call carries, and the calls (and minutes) 100,000 records cost.

Per entity, 100,000 unique records go through the target against its sandbox (own process, rate
limit lifted, the target's default poll settings), with a counting proxy in between that notes
the items of each bulk call (see `counting_proxy.py`). Bytes per request come from the sandbox's
request log (`GET /_sandbox/requests`), delivered counts from the target's summary.

- Ecomail subscribers: items per `subscribe-bulk` against 3,000; transactions: per
  `transaction-bulk` against 1,000.
- Rfmcube customers: bytes of a `/import` request against 50,000,000 (Rfmcube documents no record cap).
- Connectif contacts: bytes of the import CSV file against 50,000,000 (no row cap documented); rows per import.

Goal: a call on a full batch carries >= 95% of the maximum (measured on every write but the last,
with more records where 100,000 do not fill two calls: `Case.full_batch_records`). Then: every call of the run
(polls included) and the time they take at the vendor's real limit, at the target's pacing (2%
under the limit) and against the floor (the fewest calls the maximum allows / limit).

    .venv/bin/python bench/quota_efficiency.py
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from dataclasses import dataclass
from typing import Any

import common
from counting_proxy import CountingProxy

GOAL = 0.95
HEADROOM = 0.02  # the targets pace 2% under the limit (README, max_requests_per_minute)


@dataclass(frozen=True)
class Case:
    """An entity, its write endpoint, the vendor's per-call maximum and per-minute limit."""

    entity: common.Entity
    write_suffix: str
    unit: str  # "items" or "bytes" (the request body) or "file bytes" (the import CSV)
    maximum: int
    limit_per_minute: int
    polled: bool  # asynchronous: each write needs at least one poll
    #: Records for the run that measures full calls: 100,000 fill these calls several times over,
    #: but one Rfmcube request holds ≈ 170,000 customers and one Connectif file ≈ 410,000 contacts.
    full_batch_records: int = 100_000


CASES = (
    Case(common.RFMCUBE_CUSTOMERS, "/import", "bytes", 50_000_000, 60, polled=True, full_batch_records=400_000),
    Case(common.ECOMAIL_SUBSCRIBERS, "/subscribe-bulk", "items", 3000, 1000, polled=False),
    Case(common.ECOMAIL_TRANSACTIONS, "/transaction-bulk", "items", 1000, 1000, polled=False),
    Case(
        common.CONNECTIF_CONTACTS, "/imports/", "file bytes", 50_000_000, 100, polled=True, full_batch_records=900_000
    ),
)


def is_write(case: Case, method: str, path: str) -> bool:
    """A bulk write call of this case."""
    return method == "POST" and path.split("?", maxsplit=1)[0].endswith(case.write_suffix)


def measure(case: Case, records: int) -> dict[str, Any]:
    """One run of `records` records; per-call figures and the call budget."""
    entity = case.entity
    data = common.input_file(entity, records)
    work = common.WORK / "quota" / entity.vendor / entity.stream
    with common.sandbox(entity) as sandbox, CountingProxy(sandbox.port) as proxy:
        api_url = f"http://127.0.0.1:{proxy.port}{entity.api_prefix}"
        config = common.target_config(entity, work, api_url, poll_interval_seconds=1.0, poll_max_interval_seconds=30.0)
        started = time.monotonic()
        run = common.run_measured(common.target_command(entity, config), data, work)
        wall = time.monotonic() - started
        summary = common.read_summary(work)
        log = sandbox.requests()
        seen = proxy.entries()
        sandbox_summary = sandbox.summary()
    stream = summary.get("streams", {}).get(entity.stream, {})
    if run.returncode != 0 or stream.get("sent") != records:
        raise RuntimeError(f"{entity.name}: exit {run.returncode}, sent {stream.get('sent')}: {run.stderr_tail}")
    if len(seen) != len(log):
        raise RuntimeError(f"{entity.name}: proxy saw {len(seen)} requests, the sandbox logged {len(log)}")
    writes = []
    for logged, counted in zip(log, seen, strict=True):
        if is_write(case, logged["method"], logged["path"]):
            writes.append(
                {
                    "items": counted["items"],
                    "nested_items": counted["nested_items"],
                    "request_bytes": logged["bytes"],
                    "file_bytes": counted["file_bytes"],
                    "status": logged["status"],
                }
            )
    # Full calls: every write but the last, which carries what is left of the input.
    full = writes[:-1] if len(writes) > 1 else writes
    carried = [call_size(case, w) for w in full]
    typical = statistics.median(carried)
    # GETs of an unpolled entity are not polls (Ecomail's order listing on a new ledger is "other").
    polls = sum(1 for r in log if r["method"] == "GET") if case.polled else 0
    calls = len(log)
    minimum_writes = minimum_calls(case, writes, records)
    minimum = minimum_writes * (2 if case.polled else 1)
    limit = case.limit_per_minute
    return {
        "entity": entity.name,
        "records": records,
        "sent": stream.get("sent"),
        "unit": case.unit,
        "vendor_maximum_per_call": case.maximum,
        "write_calls": writes,
        "full_calls": len(full),
        "carried_per_call_median": typical,
        "carried_per_full_call_min": min(carried),
        "items_per_write_call_median": statistics.median(w["items"] for w in full),
        "percent_of_maximum": round(100 * typical / case.maximum, 1),
        "goal_percent": 100 * GOAL,
        "goal_met": typical >= GOAL * case.maximum,
        "calls_total": calls,
        "calls_write": len(writes),
        "calls_poll": polls,
        "calls_other": calls - len(writes) - polls,
        "calls_by_endpoint_target_summary": summary.get("api", {}).get("calls_by_endpoint")
        or summary.get("api", {}).get("calls"),
        "calls_minimum": minimum,
        "vendor_limit_per_minute": limit,
        "minutes_at_target_pacing": round(calls / (limit * (1 - HEADROOM)), 3),
        "minutes_floor_calls_over_limit": round(calls / limit, 3),
        "minutes_floor_minimum_calls": round(minimum / limit, 3),
        "wall_seconds_with_limit_lifted": round(wall, 1),
        "sandbox_requests": sandbox_summary.get("requests"),
    }


def call_size(case: Case, write: dict[str, Any]) -> int:
    """What the vendor's maximum is measured in, for one call."""
    if case.unit == "items":
        return int(write["items"])
    if case.unit == "file bytes":
        return int(write["file_bytes"])
    return int(write["request_bytes"])


def minimum_calls(case: Case, writes: list[dict[str, Any]], records: int) -> int:
    """The fewest write calls the vendor's maximum allows for these records."""
    if case.unit == "items":
        return math.ceil(records / case.maximum)
    total = sum(call_size(case, w) for w in writes)
    return max(1, math.ceil(total / case.maximum))


def table(results: list[dict[str, Any]]) -> str:
    """The README table: per entity, full calls from the full-batch run, calls and times from the 100,000 run."""
    lines = [
        "| entity | vendor max per call | full calls measured (records in the run) | carried per full call (median) "
        "| records per full call | % of max | goal ≥ 95% | calls for 100k (writes + polls + other) | fewest calls "
        "possible | time at target pacing | floor: calls / limit | floor: fewest calls / limit |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        full = r.get("full_batch_run") or r
        unit = r["unit"]
        maximum = f"{r['vendor_maximum_per_call']:,} {unit}"
        carried = f"{full['carried_per_call_median']:,.0f} {unit}"
        lines.append(
            f"| {r['entity']} | {maximum} | {full['full_calls']} ({full['records']:,}) | {carried} | "
            f"{full['items_per_write_call_median']:,.0f} | {full['percent_of_maximum']}% | "
            f"{'met' if full['goal_met'] else 'not met'} | "
            f"{r['calls_total']} ({r['calls_write']} + {r['calls_poll']} + {r['calls_other']}) | {r['calls_minimum']} | "
            f"{60 * r['minutes_at_target_pacing']:.1f} s at {r['vendor_limit_per_minute']}/min | "
            f"{60 * r['minutes_floor_calls_over_limit']:.1f} s | {60 * r['minutes_floor_minimum_calls']:.1f} s |"
        )
    return "\n".join(lines)


def main() -> int:
    """Run, write bench/results/quota_efficiency.json, print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()
    state = common.machine_state()
    results = []
    for case in CASES:
        result = measure(case, args.records)
        if case.full_batch_records > args.records:
            result["full_batch_run"] = measure(case, case.full_batch_records)
        results.append(result)
    path = common.write_result("quota_efficiency", {"machine": state, "results": results})
    print(table(results))
    print(f"\nwritten to {path.relative_to(common.ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
