"""Hostile input, table-driven: every case of `corpus_cases.CASES` against all three targets.

Legend of the corpus table (`corpus_cases.CASES`: a name, the expected outcome per target, and a
builder of the case's input from the target's own entities, see `vendors.py`):

  error      the run stops: exit code != 0; stderr names the problem (the case's `message`); no
             traceback; no STATE after the bad line; nothing reaches the vendor.
  reject     exit 0 (with max_rejected_ratio: 1); every bad record of the case is in the rejects file with a `_reject_reason`
             that names the case's field, and is not at the vendor; the valid records beside it
             are delivered.
  delivered  exit 0; the record is at the vendor (the sandbox) with the expected value (dates in
             UTC, amounts as numbers, ids as strings) and without the fields that must not be sent;
             a delete shows as done; nothing is rejected; a duplicate key in one batch: the last
             record wins and the earlier one is counted as skipped.
  skipped    exit 0; counted as skipped in the run summary with its reason; not rejected, not at
             the vendor.

The record-level cases of one target share one run (a module fixture: every case on its own
stream, mapped to its entity with `entities`); each error case runs its own process.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ..target_harness import TargetRun
from .corpus_cases import CASES, DELIVERED, ERROR, REJECT, SKIPPED, Case, Landing, Scenario, encode_input, feed
from .vendors import VENDOR_NAMES, VENDORS, Vendor


@dataclass
class MainRun:
    """One target's run of every record-level case, and what its sandbox held afterwards."""

    vendor: Vendor
    run: TargetRun
    data: dict[str, Any]
    scenarios: dict[str, Scenario]


def _main_run(vendor: Vendor, workdir: Path) -> MainRun:
    scenarios = {case.name: case.build(vendor, case.name) for case in CASES if case.outcome(vendor) != ERROR}
    with vendor.sandbox() as sandbox:
        seeds = [item for scenario in scenarios.values() for item in scenario.seed]
        if seeds:
            seed_lines = [line for entity, record in seeds for line in feed(entity.name, [record], entity.key)]
            seeded = vendor.run(workdir / "seed", sandbox.base_url, encode_input(seed_lines))
            assert seeded.returncode == 0, seeded.stderr[-3000:]
        lines = [line for scenario in scenarios.values() for line in scenario.lines]
        entities = {stream: entity for scenario in scenarios.values() for stream, entity in scenario.streams.items()}
        # Many cases are a stream of only bad records, rejected by design: the run must still
        # exit 0 for the checks below, so the max_rejected_ratio check is turned off.
        run = vendor.run(
            workdir / "main",
            sandbox.base_url,
            encode_input(lines),
            entities=entities,
            unknown_streams="ignore",
            max_rejected_ratio=1,
        )
        return MainRun(vendor, run, sandbox.snapshot(), scenarios)


@pytest.fixture(scope="module")
def main_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[Vendor], MainRun]]:
    """`main_runs(vendor)`: the vendor's run of all record-level cases (made once per module)."""
    done: dict[str, MainRun] = {}

    def get(vendor: Vendor) -> MainRun:
        if vendor.name not in done:
            done[vendor.name] = _main_run(vendor, tmp_path_factory.mktemp(vendor.name))
        return done[vendor.name]

    yield get


def names_field(reason: str, name: str) -> bool:
    """True when `reason` names the field `name` as a word (`'email'`, `subscriber_data.0.name`)."""
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", reason) is not None


def streams_of(scenario: Scenario) -> set[str]:
    """The streams a case's input uses."""
    return {line["stream"] for line in scenario.lines if isinstance(line, dict) and line.get("type") == "SCHEMA"}


def assert_delivered(main: MainRun, landing: Landing) -> None:
    """The vendor holds `landing` (or shows it deleted) with its expected fields."""
    vendor = main.vendor
    if landing.deleted:
        assert vendor.deleted(main.data, landing.entity, landing.key), f"{landing.key!r} not deleted"
        return
    stored = vendor.stored(main.data, landing.entity, landing.key)
    assert stored is not None, f"{landing.entity} {str(landing.key)[:80]!r} did not arrive"
    for name, expected in landing.fields.items():
        assert vendor.read(stored, name) == expected, f"{name}: {str(vendor.read(stored, name))[:200]!r}"
    for name in landing.absent:
        assert name not in stored, f"{name} was sent"


def assert_not_at_vendor(main: MainRun, landing: Landing) -> None:
    """The vendor does not hold `landing` (when its key can identify it)."""
    if isinstance(landing.key, str) and landing.key:
        assert main.vendor.stored(main.data, landing.entity, landing.key) is None


def check_reject(main: MainRun, scenario: Scenario, streams: set[str]) -> None:
    assert scenario.reject_field is not None
    rejects = [r for r in main.run.rejects if r["stream"] in streams]
    assert len(rejects) == len(scenario.subjects), [r["record"].get("_reject_reason") for r in rejects]
    for reject in rejects:
        reason = reject["record"]["_reject_reason"]
        assert names_field(reason, scenario.reject_field), reason[:500]
    for subject in scenario.subjects:
        assert_not_at_vendor(main, subject)
    for sibling in scenario.siblings:
        assert_delivered(main, sibling)
    tallies = [main.run.summary["streams"][s] for s in streams]
    assert sum(t["rejected"] for t in tallies) == len(scenario.subjects)
    assert sum(t["sent"] for t in tallies) == len(scenario.siblings)


def check_delivered(main: MainRun, scenario: Scenario, streams: set[str]) -> None:
    assert [r for r in main.run.rejects if r["stream"] in streams] == []
    for landing in [*scenario.subjects, *scenario.siblings]:
        assert_delivered(main, landing)
    tallies = [main.run.summary["streams"][s] for s in streams]
    assert sum(t["sent"] + t["deleted"] for t in tallies) == len(scenario.subjects) + len(scenario.siblings)
    assert sum(t["skipped"] for t in tallies) == scenario.skipped


def check_skipped(main: MainRun, scenario: Scenario, streams: set[str]) -> None:
    assert scenario.skip_reason is not None
    assert [r for r in main.run.rejects if r["stream"] in streams] == []
    for stream in streams:
        tally = main.run.summary["streams"][stream]
        assert tally["received"] == tally["skipped"] >= 1, tally
        assert tally["sent"] == tally["deleted"] == 0
        assert any(scenario.skip_reason in reason for reason in tally["skipped_by_reason"]), tally
    for subject in scenario.subjects:
        assert_not_at_vendor(main, subject)


CHECKS = {REJECT: check_reject, DELIVERED: check_delivered, SKIPPED: check_skipped}


def check_error(vendor: Vendor, scenario: Scenario, workdir: Path) -> None:
    assert scenario.message is not None
    with vendor.sandbox() as sandbox:
        run = vendor.run(workdir, sandbox.base_url, encode_input(scenario.lines), **scenario.settings)
        requests = sandbox.request_log()
        data = sandbox.snapshot()
    assert run.returncode != 0, run.stderr[-2000:]
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    assert scenario.message.lower() in run.stderr.lower(), run.stderr[-2000:]
    assert {"after": True} not in run.states
    assert requests == []
    for subject in scenario.subjects:
        assert vendor.stored(data, subject.entity, subject.key) is None


@pytest.mark.parametrize("vendor", VENDORS, ids=VENDOR_NAMES)
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_input(case: Case, vendor: Vendor, main_runs: Callable[[Vendor], MainRun], tmp_path: Path) -> None:
    outcome = case.outcome(vendor)
    if outcome == ERROR:
        check_error(vendor, case.build(vendor, case.name), tmp_path)
        return
    main = main_runs(vendor)
    assert main.run.returncode == 0, main.run.stderr[-3000:]
    assert "Traceback" not in main.run.stderr, main.run.stderr[-3000:]
    scenario = main.scenarios[case.name]
    CHECKS[outcome](main, scenario, streams_of(scenario))


def test_the_corpus_is_large_and_covers_every_outcome() -> None:
    assert len(CASES) >= 50
    assert len({case.name for case in CASES}) == len(CASES)
    for vendor in VENDORS:
        assert {case.outcome(vendor) for case in CASES} == {ERROR, REJECT, DELIVERED, SKIPPED}


@pytest.mark.parametrize("vendor", VENDORS, ids=VENDOR_NAMES)
def test_a_rejects_path_that_is_a_directory_is_refused_and_left_alone(vendor: Vendor, tmp_path: Path) -> None:
    folder = tmp_path / "output"
    folder.mkdir()
    (folder / "keep.txt").write_text("kept")
    records = [vendor.person.record("dir-1"), vendor.person.record("dir-2", **{vendor.person.key: "not an e-mail"})]
    with vendor.sandbox() as sandbox:
        run = vendor.run(
            tmp_path / "run",
            sandbox.base_url,
            encode_input(feed(vendor.person.name, records, vendor.person.key)),
            rejects_path=str(folder),
        )
    assert run.returncode == 1
    assert "is a directory" in run.stderr and "Traceback" not in run.stderr
    assert (folder / "keep.txt").read_text() == "kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["output", "run"]
