"""Contacts and products batches as import files: filled up to `max_import_bytes`, one row per key."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from api_target_kit.polling import ASSUMED_JOB_SECONDS, PollSchedule
from target_connectif.import_api import FORM_ALLOWANCE
from target_connectif.payloads import contact_body, record_from_csv_row
from target_connectif.staged_import import StagedImport

from .runs import contacts, run_connectif, stream_messages

LIMIT = 20_000


def _stage_all(records: list[dict[str, Any]], limit: int) -> list[bytes]:
    """Stage records as the contacts sink does (drain when full); every import file made."""
    files: list[bytes] = []
    stage = StagedImport("_email", limit, keep_records_below=0)
    for record in records:
        stage.drop(record["_email"])
        assert stage.add(record["_email"], record["_email"], contact_body(record), record) is None
        if stage.filled:
            files += _contents(stage)
            stage = StagedImport("_email", limit, keep_records_below=0)
    return files + _contents(stage)


def _contents(stage: StagedImport) -> list[bytes]:
    """Each import file's bytes, read while it is current (a file is deleted when the next is asked for)."""
    return [file.read_all() for file in stage.files()]


def _rows(file: bytes) -> list[dict[str, str]]:
    rows = list(csv.reader(io.StringIO(file.decode("utf-8"))))
    assert len({len(row) for row in rows}) == 1, "every row has the header's width"
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_every_import_file_but_the_last_fills_at_least_95_percent_of_the_limit() -> None:
    people = contacts(3_000)
    for n, person in enumerate(people):
        person["_name"] = "x" * (n % 97)  # rows of 40-140 bytes
        if n == 1_500:
            person["late_column"] = "appears mid-batch"

    files = _stage_all(people, LIMIT)

    assert len(files) > 3
    assert all(len(f) <= LIMIT for f in files), [len(f) for f in files]
    assert all(len(f) >= 0.95 * LIMIT for f in files[:-1]), [len(f) for f in files]
    rows = [row for f in files for row in _rows(f)]
    assert [r["_email"] for r in rows] == [p["_email"] for p in people]
    assert rows[1_500]["late_column"] == "appears mid-batch"


def test_a_later_record_of_a_key_replaces_the_earlier_row_in_the_file() -> None:
    first, second = contacts(2)
    later = {**first, "_name": "Renamed", "tier": "gold", "_points": None}
    stage = StagedImport("_email", LIMIT, keep_records_below=0)
    for record in (first, second, later):
        stage.drop(record["_email"])
        stage.add(record["_email"], record["_email"], contact_body(record), record)

    expected_bytes = stage.file_bytes
    (file,) = _contents(stage)

    rows = _rows(file)
    assert [r["_email"] for r in rows] == [second["_email"], first["_email"]]
    assert rows[1] == {**rows[1], "_name": "Renamed", "tier": "gold", "_points": ""}
    assert rows[0]["tier"] == ""
    assert len(file) == expected_bytes
    assert stage.rows_written == 2
    assert stage.holds(first["_email"]) and not stage.holds("someone.else@example.cz")


def test_a_row_comes_back_as_the_record_typed_by_the_schema() -> None:
    schema = {
        "properties": {
            "_points": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
            "vip": {"type": ["boolean", "null"]},
            "tags": {"type": "array", "items": {"type": "string"}},
            "score": {"type": "number"},
            "zip": {"type": ["string", "integer"]},
        }
    }
    columns = ["_email", "_points", "vip", "tags", "score", "zip", "note"]
    cells = ["a@example.cz", "41", "true", "a|b", "2.5", "00123", ""]

    assert record_from_csv_row(dict(zip(columns, cells, strict=True)), schema) == {
        "_email": "a@example.cz",
        "_points": 41,
        "vip": True,
        "tags": ["a", "b"],
        "score": 2.5,
        "zip": "00123",
    }


def test_import_files_fill_the_limit_and_a_key_is_sent_once(start_sandbox: Any, tmp_path: Path) -> None:
    limit = 100_000
    sandbox = start_sandbox(max_import_bytes=limit, max_request_bytes=limit)
    people = contacts(8_000)
    # Later records of two keys of the last batch (one import file holds ~1,870 contacts).
    people += [{**people[7_950], "_name": "Renamed"}, {**people[7_990], "_points": 7}]
    messages = stream_messages("contacts", people, key="_email")

    dry = run_connectif(
        tmp_path / "dry", sandbox.base_url, messages, max_import_bytes=limit, bulk_threshold=1, dry_run=True
    )
    run = run_connectif(tmp_path / "real", sandbox.base_url, messages, max_import_bytes=limit, bulk_threshold=1)

    assert dry.returncode == 0, dry.stderr[-2000:]
    lines = [json.loads(line) for line in (tmp_path / "dry" / "dry-run.jsonl").read_text().splitlines()]
    sizes = [line["file_bytes"] for line in lines if line["path"] == "/imports/"]
    polls = [line for line in lines if line["path"] == "/imports/{id}"]
    assert len(sizes) + len(polls) == len(lines) and len(sizes) > 3
    assert len(polls) == len(sizes) * PollSchedule(0.1, max_seconds=0.5).polls_for(ASSUMED_JOB_SECONDS)
    assert dry.summary["dry_run"]["requests_a_real_run_would_make"] == len(lines)
    assert dry.summary["streams"]["contacts"]["sent"] == 0
    assert dry.summary["streams"]["contacts"]["would_send"] == 8_000
    uploaded = Path(next(line["file"] for line in lines if line["path"] == "/imports/")).read_bytes()
    assert uploaded.startswith(b"_email,") and len(uploaded) == sizes[0]  # the CSV a real run uploads
    assert max(sizes) <= limit - FORM_ALLOWANCE  # room for the multipart form around the file
    assert min(sizes[:-1]) >= 0.95 * limit, sizes
    assert run.returncode == 0, run.stderr[-2000:]  # a file or request over the limit would be a 413
    assert run.summary["streams"]["contacts"]["sent"] == 8_000
    assert run.summary["streams"]["contacts"]["skipped"] == 2
    imports = sandbox.snapshot()["imports"]
    assert sum(i["total"] for i in imports) == 8_000
    stored = {c["_email"]: c for c in sandbox.snapshot()["contacts"]}
    assert stored[people[7_950]["_email"]]["_name"] == "Renamed"
    assert stored[people[7_990]["_email"]]["_points"] == 7


def test_a_refused_row_is_rejected_as_the_tap_sent_it(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox(contact_fields={"shop_language": "text", "age": "integer"})
    people = contacts(150)
    people[7]["age"] = "old"

    run = run_connectif(tmp_path, sandbox.base_url, stream_messages("contacts", people, key="_email"))

    assert run.returncode == 0, run.stderr[-2000:]
    (reject,) = run.rejects
    assert {k: v for k, v in reject["record"].items() if k != "_reject_reason"} == people[7]
    assert run.summary["streams"]["contacts"]["sent"] == 149


def test_deletes_and_upserts_of_a_key_in_one_batch_end_as_the_last_one(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox()
    people = contacts(150)
    run_connectif(tmp_path / "first", sandbox.base_url, stream_messages("contacts", people, key="_email"))
    gone = "2026-05-01T00:00:00Z"
    batch = [
        {"_email": people[0]["_email"], "_sdc_deleted_at": gone},
        {**people[0], "_name": "Back again"},
        {**people[1], "_name": "Updated, then deleted"},
        {"_email": people[1]["_email"].upper(), "_sdc_deleted_at": gone},
        *[{**p, "_points": 99} for p in people[2:]],
    ]

    run = run_connectif(tmp_path / "second", sandbox.base_url, stream_messages("contacts", batch, key="_email"))

    assert run.returncode == 0, run.stderr[-2000:]
    stored = {c["_email"]: c for c in sandbox.snapshot()["contacts"]}
    assert stored[people[0]["_email"]]["_name"] == "Back again"
    assert people[1]["_email"] not in stored
    assert {stored[p["_email"]]["_points"] for p in people[2:]} == {99}
    tally = run.summary["streams"]["contacts"]
    assert (tally["sent"], tally["deleted"], tally["skipped"]) == (149, 1, 2)


def test_skip_unchanged_sends_only_the_changed_rows(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox()
    people = contacts(300)
    changed = [{**p, "_points": 77} if n % 100 == 0 else p for n, p in enumerate(people)]

    def run(records: list[dict[str, Any]]) -> dict[str, Any]:
        done = run_connectif(
            tmp_path, sandbox.base_url, stream_messages("contacts", records, key="_email"), skip_unchanged=True
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return dict(done.summary["streams"]["contacts"])

    first = run(people)
    calls = len(sandbox.request_log())
    second = run(people)
    assert len(sandbox.request_log()) == calls  # nothing changed: no call at all
    third = run(changed)

    assert (first["sent"], second["sent"], second["skipped"]) == (300, 0, 300)
    assert (third["sent"], third["skipped"]) == (3, 297)
    imported = sandbox.snapshot()["imports"][-1]
    assert imported["total"] == 3
    assert {c["_points"] for c in sandbox.snapshot()["contacts"] if c["_email"] == people[100]["_email"]} == {77}


def test_a_row_larger_than_any_before_it_splits_the_file_rather_than_pass_the_limit() -> None:
    stage = StagedImport("_email", 1_000, keep_records_below=0)
    people = contacts(20)
    for person in people:
        stage.add(person["_email"], person["_email"], contact_body(person), person)
        if stage.file_bytes > 850:
            break
    assert not stage.filled
    big = {"_email": "big@example.cz", "_name": "x" * 300}
    stage.add(big["_email"], big["_email"], contact_body(big), big)
    assert stage.filled

    files = _contents(stage)

    assert len(files) == 2
    assert all(len(f) <= 1_000 for f in files), [len(f) for f in files]
    assert [r["_email"] for f in files for r in _rows(f)][-1] == "big@example.cz"
    assert stage.rows_written == len(_rows(files[0])) + 1
