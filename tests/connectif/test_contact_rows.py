"""Contact rows built straight from records: the same import file as rows made from `contact_body`."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
from typing import Any

import pytest

from target_connectif.import_api import CsvLines
from target_connectif.payloads import COMPILED_COLUMNS, ContactRows, contact_body
from target_connectif.staged_import import StagedImport

LIMIT = 50_000

#: Values of every kind a record can hold after the kit's parsing, fields that are never sent,
#: and cells the CSV writer must quote.
RECORDS: list[dict[str, Any]] = [
    {"_email": "a@example.it", "_name": "Anna", "_points": 3, "_birthdate": "1980-02-03T00:00:00Z"},
    {
        "_email": " B@Example.it ",
        "_birthdate": dt.datetime(1990, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2))),
    },
    {"_email": "c@example.it", "_birthdate": "1990-01-02", "tags": ["x", 1, True, None], "prefs": {"a": "é", "b": [1]}},
    {"_email": "d@example.it", "_birthdate": "1990-01-02T10:00:00+01:00", "_points": decimal.Decimal("1.50")},
    {"_email": "e@example.it", "_birthdate": dt.date(2001, 5, 6), "day": dt.date(2020, 1, 2), "vip": False},
    {"_email": "f@example.it", "_name": 'Quote "me", please', "note": "two\nlines", "cr": "a\rb", "ratio": 0.25},
    {
        "_email": "g@example.it",
        "_sdc_deleted_at": None,
        "_sdc_extracted_at": "x",
        "_reject_reason": "old",
        "n": None,
        "never": None,
    },
    {
        "_email": "h@example.it",
        "n": 7,
        "_birthdate": None,
        "_name": "Jiří Kovář",
        "when": dt.datetime(2020, 1, 2, 3, 4),
    },
    {"_email": "a@example.it", "_name": "Anna again", "late": "a column that appears late"},
    {"_email": "i@example.it", "_birthdate": "not a date", "_name": ""},
]

#: A record with more fields than `ContactRows` compiles an encoder for (it loops then).
WIDE = {"_email": "w@example.it", **{f"f{n}": n for n in range(COMPILED_COLUMNS)}, "_birthdate": "2000-01-02"}


def _stage(by_record: bool, keep_records_below: int = 0, records: list[dict[str, Any]] = RECORDS) -> StagedImport:
    stage = StagedImport("_email", LIMIT, keep_records_below=keep_records_below, rows=ContactRows())
    for record in records:
        text = record["_email"].strip()
        key = text.lower()
        stage.drop(key)
        if by_record:
            assert stage.add_record(key, text, record, contact_body) is None
        else:
            assert stage.add(key, text, contact_body(record), record) is None
    return stage


@pytest.mark.parametrize("records", [RECORDS, [*RECORDS, WIDE, *RECORDS]], ids=["compiled", "looping"])
def test_rows_from_records_make_the_file_rows_from_bodies_make(records: list[dict[str, Any]]) -> None:
    from_bodies, from_records = _stage(False, records=records), _stage(True, records=records)

    assert from_records.columns == from_bodies.columns
    assert from_records.file_bytes == from_bodies.file_bytes
    assert from_records.filled == from_bodies.filled
    expected = [file.read_all() for file in from_bodies.files()]
    assert [file.read_all() for file in from_records.files()] == expected
    assert b'"Quote ""me"", please"' in expected[0] and b"1990-01-02T01:04:05Z" in expected[0]
    assert b"_sdc_" not in expected[0] and b"_reject_reason" not in expected[0]


def test_records_kept_for_one_call_each_carry_the_contact_body() -> None:
    stage = _stage(True, keep_records_below=100)

    assert stage.records is not None
    assert {key: body for key, (_, body) in stage.records.items()} == {
        record["_email"].strip().lower(): contact_body(record) for record in RECORDS
    }
    stage.close()


def test_csv_lines_are_the_csv_writers_lines() -> None:
    class Echo:
        def write(self, line: str) -> str:
            return line

    writer = csv.writer(Echo(), lineterminator="\n")
    lines = CsvLines()
    rows = [
        ["a", "b"],
        [""],
        ["", ""],
        ["a,b", "c"],
        ['say "hi"', ""],
        ["one\ntwo"],
        ["cr\rhere", "x"],
        [" lead", "trail ", "\t"],
        ["Jiří", "ñ", "日本"],
    ]
    for cells in rows:
        assert lines.line(cells) == writer.writerow(cells).encode("utf-8"), cells
