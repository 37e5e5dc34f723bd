"""Write RELIABILITY.md from the figures the reliability tests leave in output/reliability/.

    .venv/bin/python -m pytest tests/reliability -p no:cacheprovider --junitxml=output/reliability/junit.xml
    .venv/bin/python scripts/reliability_report.py

Each test module writes `output/reliability/<target>-<aspect>.json` (soak, crash-resume,
vendor-failures, idempotency). The hostile-input column counts the passed cases of
`tests/reliability/test_hostile_input.py` from the JUnit file when there is one, else it gives
the size of the corpus (`tests/reliability/corpus_cases.py`) and points at the test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import platform
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "output" / "reliability"
TARGETS = ("rfmcube", "ecomail", "connectif")
ASPECTS = ("soak", "crash-resume", "vendor-failures", "idempotency")
COMMAND = (
    ".venv/bin/python -m pytest tests/reliability -q -p no:cacheprovider "
    "--junitxml=output/reliability/junit.xml && .venv/bin/python scripts/reliability_report.py"
)
FAULT_KINDS = (
    ("429", "429"),
    ("5xx", "5xx"),
    ("dropped_before_processing", "dropped before"),
    ("dropped_after_processing", "dropped after"),
    ("stalls", "10 s stalls"),
)


def load(folder: Path) -> dict[str, dict[str, Any]]:
    """Figures by target and aspect (missing files are left out)."""
    figures: dict[str, dict[str, Any]] = {}
    for target in TARGETS:
        for aspect in ASPECTS:
            path = folder / f"{target}-{aspect}.json"
            if path.exists():
                figures.setdefault(target, {})[aspect] = json.loads(path.read_text())
    return figures


def corpus_column(folder: Path) -> dict[str, str]:
    """Per target: hostile-input cases passed (JUnit), else the corpus size, else a pointer."""
    junit = folder / "junit.xml"
    if junit.exists():
        passed: Counter[str] = Counter()
        total: Counter[str] = Counter()
        for case in ET.parse(junit).getroot().iter("testcase"):  # noqa: S314 (pytest wrote it, here)
            name = case.get("name", "")
            if not name.startswith("test_hostile_input["):
                continue
            target = name.rstrip("]").rsplit("-", 1)[-1]
            total[target] += 1
            if not any(child.tag in ("failure", "error", "skipped") for child in case):
                passed[target] += 1
        if total:
            return {t: f"{passed[t]}/{total[t]}" for t in TARGETS}
    sys.path.insert(0, str(ROOT))
    try:
        corpus = importlib.import_module("tests.reliability.corpus_cases")
    except ImportError:
        return dict.fromkeys(TARGETS, "see test_hostile_input.py")
    rows = corpus.case_table()
    return {t: f"{len(rows)} cases (see test_hostile_input.py)" for t in TARGETS}


def yes_no(value: Any) -> str:
    """A check mark as text."""
    return "yes" if value else "**no**"


def count(value: Any) -> str:
    """A count with thousands separators; `?` when the figure is missing (e.g. crash figures without a soak)."""
    return f"{value:,}" if isinstance(value, int) else "?"


def faults_text(soak: dict[str, Any]) -> str:
    """Faults injected, by kind."""
    faults = soak.get("faults_injected", {})
    return ", ".join(f"{faults.get(kind, 0)} {label}" for kind, label in FAULT_KINDS)


def kill_text(crash: dict[str, Any]) -> str:
    """The kill -9 result."""
    kill = crash.get("kill_9")
    if not kill:
        return "not run"
    return (
        f"resumed from STATE {kill['resumed_from_position']}: {kill['records_missing']} missing, "
        f"{kill['duplicates']} duplicated"
    )


def sigterm_text(crash: dict[str, Any]) -> str:
    """The SIGTERM results, per moment."""
    moments = crash.get("sigterm", {})
    if not moments:
        return "not run"
    parts = [
        f"{moment.replace('_', ' ')}: exit {m['exit_code']}, {m['records_missing']} missing"
        for moment, m in moments.items()
    ]
    return "; ".join(parts)


#: The crash-resume case of a kill -9 while per-record creates wait for their rate-limit slots.
QUEUED_KILL = "kill_9_while_creates_wait_for_slots"


def queued_kill_row(kill: dict[str, Any]) -> str:
    """The row of `QUEUED_KILL`: what the rerun did with the calls that never left and the one in flight."""
    in_flight = (
        f"looked up ({kill['rerun_checks']} call), not sent again"
        if kill["rerun_checks"]
        else f"rejected for checking ({kill['rerun_rejected_to_check']})"
    )
    return (
        f"| kill -9 while {kill['never_sent']} of {kill['calls']} {kill['stream']} calls wait for rate-limit slots "
        f"and the answer to the {kill['taken_before_kill']}th the vendor took is lost | rerun of the same input "
        f"| the {kill['never_sent']} never sent: sent by the rerun; the one in flight: {in_flight}; exit "
        f"{kill['rerun_exit_code']}, status {kill['rerun_status']}; {kill['missing']} missing, "
        f"{kill['created_twice']} created twice |"
    )


def summary_table(figures: dict[str, dict[str, Any]], corpus: dict[str, str]) -> list[str]:
    """One row per target."""
    lines = [
        "| target | records | faults injected | retries | records missing | rejects accounted | idempotent rerun "
        "| crash-resume: kill -9 | crash-resume: SIGTERM | hostile-input corpus cases passed |",
        "|---|---:|---|---:|---:|---|---|---|---|---|",
    ]
    for target in TARGETS:
        found = figures.get(target, {})
        soak, crash, idem = found.get("soak", {}), found.get("crash-resume", {}), found.get("idempotency", {})
        missing = soak.get("records_missing", "?")
        lines.append(
            f"| {target} | {count(soak.get('records'))} | {faults_text(soak)} | {soak.get('retries', '?')} | {missing} "
            f"| {yes_no(soak.get('rejects_accounted'))} ({soak.get('rejects', '?')} of {soak.get('rejects_expected', '?')}) "
            f"| {yes_no(idem.get('idempotent'))} | {kill_text(crash)} | {sigterm_text(crash)} | {corpus[target]} |"
        )
    return lines


def target_section(target: str, found: dict[str, Any]) -> list[str]:
    """The detail of one target."""
    soak = found.get("soak", {})
    lines = [f"### {target}", "", "| soak | |", "|---|---|"]
    settings = soak.get("settings", {})
    window = settings.get("sandbox_window", {})
    rows = [
        ("records (by stream)", ", ".join(f"{k} {v:,}" for k, v in soak.get("records_by_stream", {}).items())),
        ("STATE messages in the input", soak.get("state_messages")),
        ("elapsed", f"{soak.get('elapsed_seconds')} s (exit {soak.get('exit_code')})"),
        ("sandbox rate window", f"{window.get('calls')} calls per {window.get('seconds')} s"),
        ("target settings", ", ".join(f"{k} {v}" for k, v in settings.items() if k != "sandbox_window")),
        ("requests (by status)", f"{soak.get('requests')} ({soak.get('requests_by_status')})"),
        ("requests beyond the budget (not injected)", soak.get("requests_beyond_budget")),
        ("faults injected", soak.get("faults_injected")),
        ("stalled calls", ", ".join(soak.get("stalled_paths", []))),
        ("retries (run summary `api.retries`)", soak.get("retries")),
        ("records missing / duplicated", f"{soak.get('records_missing')} / {soak.get('duplicates')}"),
        ("events sent twice (at least once, as documented)", soak.get("delivery", {}).get("at_least_once_repeats")),
        ("records whose fields were compared", soak.get("delivery", {}).get("fields_compared_records")),
        ("rejects (the invalid records, exactly)", f"{soak.get('rejects')} ({yes_no(soak.get('rejects_accounted'))})"),
    ]
    lines += [f"| {name} | {value} |" for name, value in rows]
    failures = found.get("vendor-failures", {})
    if failures:
        lines += ["", "| vendor-side failure | result |", "|---|---|"]
        for name, result in failures.items():
            if "says" in result:
                text = (
                    f"exit {result['exit_code']}, says {' / '.join(repr(s) for s in result['says'])}; last STATE "
                    f"at {result['last_state_position']}, {result['records_not_delivered']} records not delivered, "
                    "none of them covered by a STATE"
                )
            elif "imports_refused_416" in result:
                refused = result["imports_refused_416"]
                text = (
                    f"exit {result['exit_code']}: {refused} import{'s' if refused != 1 else ''} refused with 416 and "
                    "split; the size that fit cut every later request (a 416 teaches the size once); "
                    f"{result['records_missing']} missing"
                )
            else:
                text = (
                    f"exit {result['exit_code']}: {result['stalled']} held 3 s past a 1 s timeout, checked with "
                    f"{result['checked_with']} before sending again; {result['records_missing']} missing, "
                    f"{result['duplicates']} duplicated"
                )
            lines.append(f"| {name.replace('_', ' ')} | {text} |")
    crash = found.get("crash-resume", {})
    if crash:
        lines += ["", "| crash | then | result |", "|---|---|---|"]
        kills = {k: v for k, v in crash.items() if k.startswith("kill_9") and k != QUEUED_KILL}
        for name, kill in kills.items():
            how = (
                f"mid-run ({kill['records']:,} records, light faults)"
                if name == "kill_9"
                else f"right after the vendor took {kill['create']}, before it answered"
            )
            checks = kill.get("rerun_checks")
            lines.append(
                f"| kill -9 {how} | rerun from STATE {kill['resumed_from_position']}"
                f"{f', checking {checks}' if checks else ''} | {kill['records_missing']} missing, "
                f"{kill['duplicates']} duplicated, events twice: {kill['at_least_once_repeats']} |"
            )
        if QUEUED_KILL in crash:
            lines.append(queued_kill_row(crash[QUEUED_KILL]))
        for moment, result in crash.get("sigterm", {}).items():
            lines.append(
                f"| SIGTERM {moment.replace('_', ' ')} | exit {result['exit_code']}; rerun from STATE "
                f"{result['resumed_from_position']} | last STATE covered only delivered records; "
                f"{result['records_missing']} missing, {result['duplicates']} duplicated |"
            )
    idem = found.get("idempotency", {})
    if idem:
        lines += [
            "",
            f"Idempotent rerun: {yes_no(idem.get('idempotent'))} ({idem.get('records')} records, deletes included; "
            f"the rerun made {idem.get('second_run_calls')} calls: {idem.get('second_run_calls_by_endpoint')}; "
            f"stripped before comparing: {', '.join(idem.get('stripped', []))}).",
        ]
    return [*lines, ""]


def render(folder: Path) -> str:
    """RELIABILITY.md."""
    figures = load(folder)
    corpus = corpus_column(folder)
    measured = max((p.stat().st_mtime for p in folder.glob("*.json")), default=0.0)
    when = dt.datetime.fromtimestamp(measured, tz=dt.UTC).strftime("%Y-%m-%d %H:%M UTC") if measured else "never"
    lines = [
        "# Reliability",
        "",
        "Figures measured by `tests/reliability/` on this machine "
        f"({os.cpu_count()} cores, Python {platform.python_version()}, {when}); reproduce them with",
        "",
        "```sh",
        COMMAND,
        "```",
        "",
        "Soak: 100,000 records per target (its main entities mixed, a STATE after every 1,000) through a "
        "sandbox answering 20% of the calls with 429, 5% with 500/502/503, dropping 2% of the connections "
        "(half before, half after processing) and stalling a few calls for 10 s against a 3 s request "
        "timeout; the three soaks run at the same time. Crash-resume: `kill -9` mid-run (and right after "
        "the vendor took a create, before it answered, and while per-record creates wait for their "
        "rate-limit slots), and SIGTERM during a held call, during an import "
        "poll and between batches, each followed by a rerun from the last STATE emitted, as meltano does. "
        "The SDK 0.54 emits STATE only on a full drain (every 5 minutes, at the end, on SIGTERM): the "
        "crash-resume and vendor-failure runs have it drain every second (`soak_inputs.DRAIN_RUNNER`), so "
        "that STATE is emitted mid-run. See `tests/reliability/test_*.py` for what each test asserts.",
        "",
        *summary_table(figures, corpus),
        "",
        "## Per target",
        "",
    ]
    for target in TARGETS:
        lines += target_section(target, figures.get(target, {}))
    return "\n".join(lines).rstrip() + "\n"


def main() -> None:
    """Write the report (or print it with `--stdout`)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--figures", type=Path, default=OUTPUT, help="folder of the tests' JSON figures")
    parser.add_argument("--out", type=Path, default=ROOT / "RELIABILITY.md")
    parser.add_argument("--stdout", action="store_true", help="print instead of writing --out")
    args = parser.parse_args()
    text = render(args.figures)
    if args.stdout:
        sys.stdout.write(text)
    else:
        args.out.write_text(text)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
