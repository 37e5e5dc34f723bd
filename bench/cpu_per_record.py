"""Records per CPU-second of each target's main entity, against the SDK's bare BatchSink.

For each target: N records (default 200,000) of its main entity (Rfmcube customers, Ecomail
subscribers, Connectif contacts) from a prepared Singer file, through `python -m target_<x>`
against its sandbox (another process, rate limit lifted), and through `bench/baseline_target.py`
(the SDK's `BatchSink`, default validation, no-op `process_batch`) on the same file. CPU is user
+ sys of the target process alone (`os.wait4`). Each is run `--repeats` times (interleaved) and
the least CPU is kept; a SCHEMA-only run gives the start-up cost, reported apart. Then py-spy
profiles one run of each and the profile is summarised by phase and function.

    .venv/bin/python bench/cpu_per_record.py            # waits for a quiet machine first
    .venv/bin/python bench/cpu_per_record.py --records 50000 --no-wait --only ecomail
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path
from typing import Any

import common
import profiles

GOAL_RATIO = 4.0
PY_SPY = Path(common.PYTHON).parent / "py-spy"


def baseline_command(work: Path) -> list[str]:
    """`python bench/baseline_target.py --config <empty config>`."""
    work.mkdir(parents=True, exist_ok=True)
    config = work / "config.json"
    config.write_text("{}")
    return [common.PYTHON, str(common.BENCH / "baseline_target.py"), "--config", str(config)]


def profiled(command: list[str], stdin: Path, work: Path, name: str) -> dict[str, Any] | None:
    """One py-spy run of `command` (speedscope file under bench/.work/profiles), summarised."""
    if not PY_SPY.exists() and shutil.which("py-spy") is None:
        return None
    spy = str(PY_SPY) if PY_SPY.exists() else "py-spy"
    out = common.WORK / "profiles" / f"{name}.speedscope.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    run = common.run_measured(
        [spy, "record", "--rate", "200", "--format", "speedscope", "-o", str(out), "--", *command], stdin, work
    )
    if run.returncode != 0 or not out.exists():
        return {"error": run.stderr_tail[-500:]}
    return profiles.analyse(out)


def bench_entity(entity: common.Entity, records: int, repeats: int, profile: bool) -> dict[str, Any]:
    """Measure one target and the baseline on the same input."""
    data = common.input_file(entity, records)
    empty = common.input_file(entity, 0)
    work = common.WORK / "cpu" / entity.vendor
    ours: list[common.Measured] = []
    base: list[common.Measured] = []
    result: dict[str, Any] = {"entity": entity.name, "records": records, "input_bytes": data.stat().st_size}
    with common.sandbox(entity) as sandbox:

        def run_ours(stdin: Path, expect: int) -> common.Measured:
            sandbox.reset()
            config = common.target_config(entity, work / "target", sandbox.api_url)
            run = common.run_measured(common.target_command(entity, config), stdin, work / "target")
            summary = common.read_summary(work / "target")
            sent = summary.get("streams", {}).get(entity.stream, {}).get("sent")
            if run.returncode != 0 or sent != expect:
                raise RuntimeError(f"{entity.name}: exit {run.returncode}, sent {sent} of {expect}: {run.stderr_tail}")
            return run

        def run_base(stdin: Path) -> common.Measured:
            run = common.run_measured(baseline_command(work / "baseline"), stdin, work / "baseline")
            if run.returncode != 0:
                raise RuntimeError(f"baseline on {entity.name}: exit {run.returncode}: {run.stderr_tail}")
            return run

        for _ in range(repeats):
            ours.append(run_ours(data, records))
            base.append(run_base(data))
        start_ours = run_ours(empty, 0)
        start_base = run_base(empty)
        if profile:
            sandbox.reset()
            config = common.target_config(entity, work / "target", sandbox.api_url)
            result["profile_target"] = profiled(
                common.target_command(entity, config), data, work / "target", f"{entity.vendor}-target"
            )
            result["profile_baseline"] = profiled(
                baseline_command(work / "baseline"), data, work / "baseline", f"{entity.vendor}-baseline"
            )
    best_ours = min(ours, key=lambda m: m.cpu_seconds)
    best_base = min(base, key=lambda m: m.cpu_seconds)

    def rate(run: common.Measured, start: common.Measured | None = None) -> float:
        cpu = run.cpu_seconds - (start.cpu_seconds if start else 0.0)
        return round(records / cpu, 1) if cpu > 0 else 0.0

    result.update(
        {
            "target": {
                "runs": [m.as_dict() for m in ours],
                "startup": start_ours.as_dict(),
                "records_per_cpu_second": rate(best_ours),
                "records_per_cpu_second_without_startup": rate(best_ours, start_ours),
                "microseconds_per_record": round(1e6 * best_ours.cpu_seconds / records, 1),
            },
            "baseline": {
                "runs": [m.as_dict() for m in base],
                "startup": start_base.as_dict(),
                "records_per_cpu_second": rate(best_base),
                "records_per_cpu_second_without_startup": rate(best_base, start_base),
                "microseconds_per_record": round(1e6 * best_base.cpu_seconds / records, 1),
            },
        }
    )
    ratio = rate(best_ours) / rate(best_base)
    result["ratio"] = round(ratio, 2)
    result["ratio_without_startup"] = round(rate(best_ours, start_ours) / rate(best_base, start_base), 2)
    result["goal_ratio"] = GOAL_RATIO
    result["goal_met"] = ratio >= GOAL_RATIO
    return result


def table(results: list[dict[str, Any]]) -> str:
    """The README table."""
    lines = [
        "| target (entity) | records | target CPU s | target rec/CPU-s | baseline CPU s | baseline rec/CPU-s | ratio | ratio w/o start-up | goal ≥ 4x |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        t, b = r["target"], r["baseline"]
        best_t = min(x["cpu_seconds"] for x in t["runs"])
        best_b = min(x["cpu_seconds"] for x in b["runs"])
        lines.append(
            f"| {r['entity']} | {r['records']:,} | {best_t:.2f} | {t['records_per_cpu_second']:,.0f} | {best_b:.2f} | "
            f"{b['records_per_cpu_second']:,.0f} | {r['ratio']:.2f}x | {r['ratio_without_startup']:.2f}x | "
            f"{'met' if r['goal_met'] else 'not met'} |"
        )
    return "\n".join(lines)


def main() -> int:
    """Run, write bench/results/cpu_per_record.json, print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--only", choices=[e.vendor for e in common.MAIN_ENTITIES])
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--no-wait", action="store_true", help="do not wait for other engineers' pytest runs to end")
    args = parser.parse_args()
    entities = [e for e in common.MAIN_ENTITIES if args.only in (None, e.vendor)]
    for entity in entities:  # prepare the inputs before waiting, so the wait covers the measuring only
        common.input_file(entity, args.records)
        common.input_file(entity, 0)
    common.compile_packages()  # as an installed target has them (see `compile_packages`)
    before = common.machine_state() if args.no_wait else common.wait_for_quiet_machine()
    results = [bench_entity(e, args.records, args.repeats, not args.no_profile) for e in entities]
    after = common.machine_state()
    path = common.write_result(
        "cpu_per_record",
        {"machine_before": before, "machine_after": after, "results": results},
    )
    print(table(results))
    print(f"\nwritten to {path.relative_to(common.ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
