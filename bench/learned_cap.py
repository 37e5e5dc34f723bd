"""Calls spent on 416s when the account's real request cap is lower than the target assumes.

Rfmcube customers through the target (`max_request_bytes` left at 50 MB) against a sandbox that
refuses requests over 1 MB (`--max-request-bytes 1000000`), counted from the sandbox's request
log: `/import` calls answered 416, `/import` calls accepted, and polls. The same run is made with
the code of the commits given by `--before` (default: the last commit that halved each refused
request anew, one 416 per batch; and the last that halved the run's cap on each 416), their
packages exported with `git archive` and put first on `PYTHONPATH`, to show what each cost.

    .venv/bin/python bench/learned_cap.py
    .venv/bin/python bench/learned_cap.py --records 100000 --before none
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import common

SANDBOX_CAP = 1_000_000
#: e6d462c: the last commit whose Rfmcube halved each refused request anew (one 416 per batch and
#: level); 48d3542: the last whose 416 halved the cap of the whole run (one 416 per halving).
BEFORE = "e6d462c,48d3542"
#: What only the current code logs at its first 416 (proves an exported commit's code ran instead).
CURRENT_CODE_LOG = "doubled after each full one accepted"
PACKAGES = ("api-target-kit", "target-rfmcube")


def exported(commit: str) -> Path:
    """The packages of `commit`, exported to bench/.work/learned_cap/<commit>/src/ (once)."""
    where = common.WORK / "learned_cap" / commit / "src"
    if not where.exists():
        where.mkdir(parents=True)
        archive = where / "src.tar"
        with archive.open("wb") as out:
            subprocess.run(["git", "archive", commit, *PACKAGES], cwd=common.ROOT, stdout=out, check=True)
        with tarfile.open(archive) as tar:
            tar.extractall(where, filter="data")
        archive.unlink()
    return where


def run(records: int, sandbox: common.Sandbox, commit: str | None) -> dict[str, Any]:
    """One run of the target (this worktree's code, or `commit`'s) against the 1 MB sandbox."""
    entity = common.RFMCUBE_CUSTOMERS
    sandbox.reset()
    data = common.input_file(entity, records)
    work = common.WORK / "learned_cap" / (commit or "current") / "run"
    config = common.target_config(entity, work, sandbox.api_url)
    env = dict(os.environ)
    if commit is not None:
        source = exported(commit)
        env["PYTHONPATH"] = os.pathsep.join(str(source / package) for package in PACKAGES)
    measured = common.run_measured(common.target_command(entity, config), data, work, env=env)
    sent = common.read_summary(work).get("streams", {}).get(entity.stream, {}).get("sent")
    if measured.returncode != 0 or sent != records:
        raise RuntimeError(
            f"{commit or 'current'}: exit {measured.returncode}, sent {sent} of {records}: {measured.stderr_tail}"
        )
    if commit is not None and CURRENT_CODE_LOG in (work / "stderr.txt").read_text(errors="replace"):
        raise RuntimeError(f"the run of {commit} used this worktree's code, not the exported one")
    log = sandbox.requests()
    imports = [r for r in log if r["path"].endswith("/import")]
    refused = [r for r in imports if r["status"] == 416]
    accepted = [r for r in imports if r["status"] == 200]
    polls = [r for r in log if "/processes/" in r["path"]]
    return {
        "code": commit or "current",
        "records": records,
        "sandbox_cap_bytes": SANDBOX_CAP,
        "target_max_request_bytes": 50_000_000,
        "imports_accepted": len(accepted),
        "answers_416": len(refused),
        "bytes_416": [r["bytes"] for r in refused],
        "largest_accepted_bytes": max((r["bytes"] for r in accepted), default=0),
        "polls": len(polls),
        "calls": len(log),
        "wall_seconds": round(measured.wall_seconds, 1),
    }


def table(results: list[dict[str, Any]]) -> str:
    """The README table."""
    lines = [
        "| code | records | sandbox cap | target assumes | imports accepted | calls answered 416 | 416 share of all "
        "calls | largest accepted | all calls (imports, 416s, polls) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        share = 100 * r["answers_416"] / r["calls"] if r["calls"] else 0.0
        lines.append(
            f"| {r['code']} | {r['records']:,} | {r['sandbox_cap_bytes'] / 1e6:.0f} MB | "
            f"{r['target_max_request_bytes'] / 1e6:.0f} MB | {r['imports_accepted']} | **{r['answers_416']}** | "
            f"{share:.1f}% | {r['largest_accepted_bytes']:,} B | {r['calls']} |"
        )
    return "\n".join(lines)


def main() -> int:
    """Run, write bench/results/learned_cap.json, print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--before", default=BEFORE, help="commits to compare with, comma-separated ('none': skip)")
    args = parser.parse_args()
    state = common.machine_state()
    extra = ("--max-request-bytes", str(SANDBOX_CAP), "--process-seconds", "0.05")
    commits: list[str | None] = [] if args.before == "none" else [*args.before.split(",")]
    commits.append(None)
    with common.sandbox(common.RFMCUBE_CUSTOMERS, extra=extra) as sandbox:
        results = [run(args.records, sandbox, commit) for commit in commits]
    path = common.write_result("learned_cap", {"machine": state, "results": results})
    print(table(results))
    print(f"\nwritten to {path.relative_to(common.ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
