"""`skip_unchanged`: the same 50,000 records twice make no write call; 1% changed sends exactly those.

For each target, its main entity: Rfmcube customers (bulk /import), Ecomail subscribers
(subscribe-bulk), Connectif contacts (Import API). Figures go to output/ledger/<vendor>.json.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ..connectif.runs import CONNECTIF_KEY
from ..ecomail.runs import ECOMAIL_KEY
from ..rfmcube.harness import KEY as RFMCUBE_KEY
from ..target_harness import TargetRun, run_target, stream_messages

RECORDS = 50_000
CHANGED = RECORDS // 100
RESULTS = Path(__file__).resolve().parents[2] / "output" / "ledger"


@dataclass(frozen=True)
class Case:
    """One target's main entity: how to build a record, and where a write goes."""

    vendor: str
    module: str
    key: str
    stream: str
    key_field: str
    record: Callable[[int, str], dict[str, Any]]
    settings: dict[str, Any]
    writes: tuple[str, ...]
    batch: int


CASES = [
    Case(
        "rfmcube",
        "target_rfmcube",
        RFMCUBE_KEY,
        "customers",
        "email",
        lambda n, tag: {
            "email": f"c{n}@example.it",
            "createdAt": "2025-01-01T00:00:00Z",
            "updatedAt": "2025-01-02T00:00:00Z",
            "firstname": f"Name{n}{tag}",
        },
        {},
        ("/import", "/merge_customer", "/delete_customer"),
        100_000,
    ),
    Case(
        "ecomail",
        "target_ecomail",
        ECOMAIL_KEY,
        "subscribers",
        "email",
        lambda n, tag: {"email": f"s{n}@example.cz", "name": f"Name{n}{tag}"},
        {"list_id": "1"},
        ("/lists/",),
        9_000,
    ),
    Case(
        "connectif",
        "target_connectif",
        CONNECTIF_KEY,
        "contacts",
        "_email",
        lambda n, tag: {"_email": f"k{n}@example.cz", "_name": f"Name{n}{tag}"},
        {},
        ("/imports/", "/contacts/"),
        50_000,
    ),
]


def _writes(sandbox: Any, case: Case, since: int, until: int | None = None) -> list[dict[str, Any]]:
    return [
        r
        for r in sandbox.request_log()[since:until]
        if r["method"] != "GET" and any(r["path"].split("/v1", 1)[-1].startswith(p) for p in case.writes)
    ]


@pytest.mark.parametrize("case", CASES, ids=[c.vendor for c in CASES])
def test_a_rerun_sends_nothing_and_a_1_percent_change_sends_exactly_that(
    case: Case, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    sandbox = request.getfixturevalue(f"{case.vendor}_sandbox")()
    records = [case.record(n, "") for n in range(RECORDS)]

    def run(batch: list[dict[str, Any]], **extra: Any) -> TargetRun:
        messages = stream_messages(case.stream, batch, key=case.key_field, state_every=10_000)
        result = run_target(
            case.module,
            tmp_path,
            sandbox.base_url,
            messages,
            api_key=case.key,
            skip_unchanged=True,
            max_requests_per_minute=6000,
            **case.settings,
            **extra,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result

    first = run(records)
    after_first = len(sandbox.request_log())
    second = run(records)
    after_second = len(sandbox.request_log())
    changed = {n: case.record(n, "-changed") for n in range(0, RECORDS, 100)}
    third = run([changed.get(n, r) for n, r in enumerate(records)])
    after_reset = len(sandbox.request_log())
    reset = run(records[:10], ledger_reset=True)

    tally = [r.summary["streams"][case.stream] for r in (first, second, third)]
    assert tally[0]["sent"] == RECORDS
    assert _writes(sandbox, case, 0, after_first)
    assert sandbox.request_log()[after_first:after_second] == []  # the rerun made no call at all
    assert tally[1]["sent"] == 0 and tally[1]["skipped"] == RECORDS
    assert tally[2]["sent"] == CHANGED and tally[2]["skipped"] == RECORDS - CHANGED
    # Exactly the changed records were sent, in bulk: one call per batch that held any.
    third_writes = _writes(sandbox, case, after_second, after_reset)
    assert 1 <= len(third_writes) <= -(-RECORDS // case.batch)
    assert reset.summary["streams"][case.stream]["sent"] == 10  # ledger_reset: sent again
    assert _writes(sandbox, case, after_reset)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{case.vendor}.json").write_text(
        json.dumps(
            {
                "records": RECORDS,
                "first_run_calls": after_first,
                "rerun_calls": after_second - after_first,
                "changed_records": CHANGED,
                "third_run_calls": after_reset - after_second,
                "third_run_write_calls": len(third_writes),
            },
            indent=2,
        )
        + "\n"
    )
