"""Peak RSS of each target for 100k, 300k and 1M records of its main entity: it should stay flat (within 10%).

The target runs as its own process (`ru_maxrss` from `os.wait4` on it alone) against its sandbox in
another process (rate limit lifted, reset between runs). A SCHEMA-only run gives the RSS of a
target that has imported everything and read nothing.

    .venv/bin/python bench/memory.py
    .venv/bin/python bench/memory.py --sizes 100000,300000 --only ecomail
    .venv/bin/python bench/memory.py --only rfmcube,connectif
    .venv/bin/python bench/memory.py --tracemalloc --sizes 100000 --only rfmcube   # where the peak is allocated
"""

from __future__ import annotations

import argparse
from typing import Any

import common

GOAL = 0.10
#: Runs the target under tracemalloc and prints the top allocation sites at its peak.
TRACEMALLOC_WRAPPER = """
import atexit, runpy, sys, threading, time, tracemalloc
tracemalloc.start(10)
best = {"size": 0, "snapshot": None}
def sampler():
    while True:
        time.sleep(1.0)
        current = tracemalloc.get_traced_memory()[0]
        if current > 1.2 * best["size"]:  # a snapshot near every new high (a few per run)
            best["size"] = current
            best["snapshot"] = tracemalloc.take_snapshot()
threading.Thread(target=sampler, daemon=True).start()
def report():
    peak = tracemalloc.get_traced_memory()[1]
    print(f"tracemalloc: peak traced {peak / 1e6:.1f} MB; at the largest snapshot ({best['size'] / 1e6:.1f} MB):", file=sys.stderr)
    if best["snapshot"] is None:
        return
    for stat in best["snapshot"].statistics("traceback")[:8]:
        print(f"  {stat.size / 1e6:8.1f} MB {stat.count:9d} blocks", file=sys.stderr)
        for line in stat.traceback.format()[-4:]:
            print("      " + line, file=sys.stderr)
atexit.register(report)
sys.argv = [sys.argv[1], *sys.argv[2:]]
runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
"""


def run(entity: common.Entity, records: int, sandbox: common.Sandbox, *, trace: bool) -> dict[str, Any]:
    """One run; peak RSS and CPU of the target process."""
    sandbox.reset()
    data = common.input_file(entity, records)
    work = common.WORK / "memory" / entity.vendor
    config = common.target_config(entity, work, sandbox.api_url)
    command = common.target_command(entity, config)
    if trace:
        command = [common.PYTHON, "-c", TRACEMALLOC_WRAPPER, entity.module, "--config", str(config)]
    measured = common.run_measured(command, data, work)
    sent = common.read_summary(work).get("streams", {}).get(entity.stream, {}).get("sent")
    if measured.returncode != 0 or sent != records:
        raise RuntimeError(
            f"{entity.name}: exit {measured.returncode}, sent {sent} of {records}: {measured.stderr_tail}"
        )
    result = {"records": records, **measured.as_dict()}
    if trace:
        stderr = (work / "stderr.txt").read_text(encoding="utf-8", errors="replace")
        result["tracemalloc"] = stderr[stderr.find("tracemalloc:") :]
        print(result["tracemalloc"])
    return result


def bench_entity(entity: common.Entity, sizes: list[int], *, trace: bool) -> dict[str, Any]:
    """All sizes for one target."""
    for size in sizes:
        common.input_file(entity, size)
    with common.sandbox(entity) as sandbox:
        empty = run(entity, 0, sandbox, trace=False)
        runs = [run(entity, size, sandbox, trace=trace) for size in sizes]
    peaks = [r["max_rss_mb"] for r in runs]
    growth = (max(peaks) - min(peaks)) / min(peaks)
    return {
        "entity": entity.name,
        "schema_only_rss_mb": round(empty["max_rss_mb"], 1),
        "runs": runs,
        "peak_rss_mb": [round(p, 1) for p in peaks],
        "growth_percent": round(100 * growth, 1),
        "goal_percent": 100 * GOAL,
        "goal_met": growth <= GOAL,
    }


def table(results: list[dict[str, Any]]) -> str:
    """The README table."""
    sizes = [r["records"] for r in results[0]["runs"]]
    head = " | ".join(f"peak RSS {s:,}" for s in sizes)
    lines = [
        f"| target (entity) | RSS after start-up | {head} | spread (max-min)/min | goal ≤ 10% |",
        "|---|---|" + "---|" * len(sizes) + "---|---|",
    ]
    for r in results:
        peaks = " | ".join(f"{p:.0f} MB" for p in r["peak_rss_mb"])
        lines.append(
            f"| {r['entity']} | {r['schema_only_rss_mb']:.0f} MB | {peaks} | {r['growth_percent']}% | "
            f"{'met' if r['goal_met'] else 'not met'} |"
        )
    return "\n".join(lines)


def main() -> int:
    """Run, write bench/results/memory.json, print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,300000,1000000")
    parser.add_argument("--only", help="vendors, comma-separated (e.g. rfmcube,connectif)")
    parser.add_argument("--tracemalloc", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    state = common.machine_state()
    only = args.only.split(",") if args.only else [e.vendor for e in common.MAIN_ENTITIES]
    entities = [e for e in common.MAIN_ENTITIES if e.vendor in only]
    results = [bench_entity(e, sizes, trace=args.tracemalloc) for e in entities]
    name = "memory_tracemalloc" if args.tracemalloc else "memory"
    path = common.write_result(name, {"machine": state, "results": results})
    print(table(results))
    print(f"\nwritten to {path.relative_to(common.ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
