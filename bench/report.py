"""Print the README tables from bench/results/*.json (no measuring): `.venv/bin/python bench/report.py`."""

from __future__ import annotations

import json
from typing import Any

import common
import cpu_per_record
import learned_cap
import memory
import pacing
import quota_efficiency
import quota_floor


def load(name: str) -> dict[str, Any] | None:
    """bench/results/<name>.json, if there."""
    path = common.RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def phases(results: list[dict[str, Any]], key: str) -> str:
    """Per target, the share of CPU of each phase in its profile."""
    labels: list[str] = []
    for r in results:
        for p in (r.get(key) or {}).get("phases", []):
            if p["phase"] not in labels:
                labels.append(p["phase"])
    head = " | ".join(r["entity"] for r in results)
    lines = [f"| phase (% of CPU samples) | {head} |", "|---|" + "---|" * len(results)]
    for label in labels:
        cells = []
        for r in results:
            found = [p["percent"] for p in (r.get(key) or {}).get("phases", []) if p["phase"] == label]
            cells.append(f"{found[0]:.1f}" if found else "")
        lines.append(f"| {label} | {' | '.join(cells)} |")
    return "\n".join(lines)


def top(results: list[dict[str, Any]], key: str, kind: str, count: int = 12) -> str:
    """Per target, its top functions by self (or inclusive) time."""
    out = []
    for r in results:
        profile = r.get(key) or {}
        out.append(f"{r['entity']} ({kind}):")
        out.extend(f"  {f['percent']:5.1f}%  {f['function']}" for f in profile.get(kind, [])[:count])
    return "\n".join(out)


def main() -> int:
    """Print what there is."""
    cpu = load("cpu_per_record")
    if cpu:
        print(cpu_per_record.table(cpu["results"]), "\n")
        print(phases(cpu["results"], "profile_target"), "\n")
        print(phases(cpu["results"], "profile_baseline"), "\n")
        print(top(cpu["results"], "profile_target", "top_self"), "\n")
        print(top(cpu["results"], "profile_target", "top_inclusive_below_60_percent", 20), "\n")
        print(top(cpu["results"], "profile_baseline", "top_self", 8), "\n")
        print("machine before:", cpu["machine_before"], "\nmachine after:", cpu["machine_after"], "\n")
    quota = load("quota_efficiency")
    if quota:
        print(quota_efficiency.table(quota["results"]), "\n")
    mem = load("memory")
    if mem:
        print(memory.table(mem["results"]), "\n")
    cap = load("learned_cap")
    if cap:
        print(learned_cap.table(cap["results"]), "\n")
    pace = load("pacing")
    if pace:
        print(pacing.table(pace["results"]), "\n")
    floor = load("quota_floor")
    if floor:
        print(quota_floor.table(floor["results"]), "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
