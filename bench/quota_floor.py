"""Wall time at the quota floor: a run limited by the vendor's REAL quota takes ≤ 1.05x calls / limit.

For each target, a run whose wall time is the quota's, against a sandbox enforcing the vendor's
real limit over 60 s windows, with the target's default budget (`max_requests_per_minute` unset):

- Rfmcube: orders whose customers Rfmcube does not have, one `POST /merge_order` each
  (60/min, sliding window);
- Ecomail: transactions with `trigger_order_automations` (one `POST /tracker/transaction` each,
  so that Ecomail's "makes an order" automations fire), after the order-listing lookup a new
  ledger makes (1000/min, sliding window);
- Connectif: a shop's contacts and products (one import each, `bulk_threshold: 1`) and then its
  purchases, each a `GET /purchases/purchase-id/{id}` (the default `verify_new_purchases`) and a
  `POST /purchases/` (100/min, fixed windows aligned to the minute, as Connectif's).

The three run at once (separate sandboxes, separate accounts), each sized for `--minutes` of
quota. Calls are every API request in the sandbox's log (imports, polls and lookups included);
the wall time is that of the target process, start-up and shutdown included. The vendor floor is
calls / limit minutes; the targets pace at 2% under the limit, so the floor they can reach is
calls / (0.98 x limit).

    .venv/bin/python bench/quota_floor.py
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import common
from pacing import RFMCUBE_ORDERS

GOAL = 1.05
#: The targets aim at this share of the limit (`api_target_kit`'s pacing margin).
PACING_SHARE = 0.98

CONNECTIF_PRODUCTS = common.Entity(
    "connectif",
    "target_connectif",
    "bench-key-id:bench-key-secret",
    "",
    "products",
    "productId",
    "connectif/products",
    {},
    drop=("updated_at",),
)
CONNECTIF_PURCHASES = common.Entity(
    "connectif",
    "target_connectif",
    "bench-key-id:bench-key-secret",
    "",
    "purchases",
    "purchaseId",
    "connectif/purchases",
    {"purchaseId": "P{n:08d}"},
    sandbox_args=("--import-seconds", "0.5"),
)


@dataclass(frozen=True)
class Case:
    """A target's quota-bound run: its entity, the vendor's limit, calls per record."""

    entity: common.Entity
    limit_per_minute: int
    calls_per_record: int
    what: str
    settings: dict[str, Any] = field(default_factory=dict)


CASES = (
    Case(RFMCUBE_ORDERS, 60, 1, "orders, one POST /merge_order each"),
    Case(
        common.ECOMAIL_TRANSACTIONS,
        1000,
        1,
        "transactions, one POST /tracker/transaction each (trigger_order_automations)",
        {"trigger_order_automations": True},
    ),
    Case(
        CONNECTIF_PURCHASES,
        100,
        2,
        "contacts and products (one import each), purchases: GET lookup + POST each",
        {"bulk_threshold": 1},
    ),
)


def _valid(entity: common.Entity) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    records = common._demo_records(entity)
    records = common._valid_for_target(entity, records, common.schema_for(records))
    return records, common.schema_for(records)


def connectif_shop_file(purchases: int) -> Path:
    """Contacts and products the purchases need, then `purchases` purchases with unique ids (cached)."""
    path = common.WORK / "input" / f"connectif-shop-{purchases}.singer"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    contacts, contact_schema = _valid(common.CONNECTIF_CONTACTS)
    products, product_schema = _valid(CONNECTIF_PRODUCTS)
    emails = {c["_email"].lower() for c in contacts}
    ids = {p["productId"] for p in products}
    bought, purchase_schema = _valid(CONNECTIF_PURCHASES)
    bought = [
        p
        for p in bought
        if p["contactEmail"].lower() in emails and all(line["productId"] in ids for line in p["products"])
    ]
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as out:

        def write(message: dict[str, Any]) -> None:
            out.write(json.dumps(message, ensure_ascii=False, separators=(",", ":")) + "\n")

        for entity, rows, schema in (
            (common.CONNECTIF_CONTACTS, contacts, contact_schema),
            (CONNECTIF_PRODUCTS, products, product_schema),
        ):
            write({"type": "SCHEMA", "stream": entity.stream, "schema": schema, "key_properties": [entity.key_field]})
            for row in rows:
                write({"type": "RECORD", "stream": entity.stream, "record": row})
        stream = CONNECTIF_PURCHASES.stream
        write({"type": "SCHEMA", "stream": stream, "schema": purchase_schema, "key_properties": ["purchaseId"]})
        for n in range(purchases):
            record = dict(bought[n % len(bought)], purchaseId=f"P{n:08d}")
            write({"type": "RECORD", "stream": stream, "record": record})
    tmp.replace(path)
    return path


def input_for(case: Case, records: int) -> Path:
    """The Singer input of a case."""
    if case.entity is CONNECTIF_PURCHASES:
        return connectif_shop_file(records)
    return common.input_file(case.entity, records, state_every=0)


def measure(case: Case, minutes: float) -> dict[str, Any]:
    """One run sized for `minutes` of calls at the target's pacing."""
    entity = case.entity
    limit = case.limit_per_minute
    records = math.ceil(limit * PACING_SHARE * minutes / case.calls_per_record)
    data = input_for(case, records)
    work = common.WORK / "quota_floor" / entity.vendor
    with common.sandbox(entity, rate_limit=limit, window_seconds=60.0) as sandbox:
        config = common.target_config(entity, work, sandbox.api_url, **case.settings)
        settings = json.loads(config.read_text())
        settings.pop("max_requests_per_minute")  # the vendor's limit, the target's default
        config.write_text(json.dumps(settings, indent=2))
        started = time.time()  # the sandbox logs each call's time.time()
        run = common.run_measured(common.target_command(entity, config), data, work)
        ended = time.time()
        log = sandbox.requests()
    target_summary = common.read_summary(work)
    sent = target_summary.get("streams", {}).get(entity.stream, {}).get("sent")
    if run.returncode != 0 or sent != records:
        raise RuntimeError(f"{entity.name}: exit {run.returncode}, sent {sent} of {records}: {run.stderr_tail}")
    calls = len(log)
    times = [r["t"] for r in log]
    vendor_floor = 60 * calls / limit
    paced_floor = vendor_floor / PACING_SHARE
    by_kind: dict[str, int] = {}
    for r in log:
        kind = f"{r['method']} {_path_kind(r['path'])}"
        by_kind[kind] = by_kind.get(kind, 0) + 1
    ratio = run.wall_seconds / vendor_floor
    interval = 60 / (PACING_SHARE * limit)
    gaps = sorted(
        ((b["t"] - a["t"], f"{b['method']} {_path_kind(b['path'])}") for a, b in itertools.pairwise(log)),
        reverse=True,
    )
    too_many = sum(1 for r in log if r["status"] == 429)
    return {
        "entity": entity.name,
        "what": case.what,
        "records": records,
        "vendor_limit_per_minute": limit,
        "calls": calls,
        "calls_by_kind": by_kind,
        "wall_seconds": round(run.wall_seconds, 1),
        "start_to_first_call_seconds": round(times[0] - started, 2),
        "traffic_seconds": round(times[-1] - times[0], 1),
        "last_call_to_exit_seconds": round(ended - times[-1], 2),
        "paced_interval_ms": round(1000 * interval, 1),
        "mean_gap_ms": round(1000 * (times[-1] - times[0]) / max(calls - 1, 1), 1),
        "gaps_over_twice_the_interval": {
            "count": sum(1 for g, _ in gaps if g > 2 * interval),
            "seconds_beyond_the_interval": round(sum(g - interval for g, _ in gaps if g > 2 * interval), 2),
            "largest": [[round(g, 2), kind] for g, kind in gaps[:5]],
        },
        "vendor_floor_seconds": round(vendor_floor, 1),
        "paced_floor_seconds": round(paced_floor, 1),
        "ratio_to_vendor_floor": round(ratio, 3),
        "ratio_to_paced_floor": round(run.wall_seconds / paced_floor, 3),
        "goal_met": ratio <= GOAL and too_many == 0,
        "status_429": too_many,
        "target_rate_limited_429": target_summary.get("api", {}).get("rate_limited_429"),
        "cpu_seconds": round(run.cpu_seconds, 2),
    }


def _path_kind(path: str) -> str:
    """A request path without its ids and query (for the calls-by-kind count)."""
    path = path.split("?", maxsplit=1)[0]
    for prefix in ("/purchases/purchase-id/", "/tracker/transaction/", "/imports/"):
        if path.startswith(prefix) and len(path) > len(prefix):
            return prefix + "{id}"
    return path


def table(results: list[dict[str, Any]]) -> str:
    """The README table."""
    lines = [
        "| target: run | vendor limit | records | calls | wall time | vendor floor: calls / limit | ratio | "
        "paced floor: calls / (0.98 limit) | ratio | goal ≤ 1.05x the vendor floor | 429s | "
        "start to first call | first to last call | last call to exit |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['entity'].split('/')[0]}: {r['what']} | {r['vendor_limit_per_minute']}/min | {r['records']:,} | "
            f"{r['calls']:,} | {r['wall_seconds']:.1f} s | {r['vendor_floor_seconds']:.1f} s | "
            f"{r['ratio_to_vendor_floor']:.3f}x | {r['paced_floor_seconds']:.1f} s | {r['ratio_to_paced_floor']:.3f}x | "
            f"{'met' if r['goal_met'] else '**not met**'} | {r['status_429']} | "
            f"{r['start_to_first_call_seconds']:.1f} s | {r['traffic_seconds']:.1f} s | {r['last_call_to_exit_seconds']:.1f} s |"
        )
    return "\n".join(lines)


def main() -> int:
    """Run the three cases at once, write bench/results/quota_floor.json, print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=2.5, help="minutes of calls at the target's pacing")
    args = parser.parse_args()
    before = common.machine_state()
    results: dict[str, dict[str, Any]] = {}
    errors: list[BaseException] = []

    def one(case: Case) -> None:
        try:
            results[case.entity.name] = measure(case, args.minutes)
        except BaseException as exc:
            errors.append(exc)

    loads: list[list[float]] = []
    done = threading.Event()

    def sample_load() -> None:
        while not done.wait(15):
            loads.append([round(x, 2) for x in os.getloadavg()])

    sampler = threading.Thread(target=sample_load, daemon=True)
    sampler.start()
    threads = [threading.Thread(target=one, args=(case,)) for case in CASES]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    if errors:
        raise errors[0]
    ordered = [results[c.entity.name] for c in CASES]
    after = common.machine_state()
    data = {"machine_before": before, "machine_after": after, "loadavg_every_15s": loads, "results": ordered}
    path = common.write_result("quota_floor", data)
    print(table(ordered))
    print(f"\nwritten to {path.relative_to(common.ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
