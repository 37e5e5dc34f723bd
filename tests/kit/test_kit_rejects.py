"""RejectsWriter: a replayable Singer file with a reason on every record."""

from __future__ import annotations

import datetime as dt
import decimal
import io
import json
import threading
from pathlib import Path
from typing import Any

from singer_sdk.singerlib.encoding import SimpleSingerReader

from api_target_kit.rejects import REJECT_REASON, RejectsWriter
from api_target_kit.secrets import SecretRedactor

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"sku": {"type": "string"}, "at": {"type": "string", "format": "date-time"}},
}


def read_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def read_with_sdk(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Read the file with the SDK's own Singer reader; fail on anything it refuses."""
    seen: dict[str, list[dict[str, Any]]] = {"SCHEMA": [], "RECORD": []}
    reader = SimpleSingerReader()
    with path.open(encoding="utf-8") as handle:
        counts = reader.process_lines(
            handle,
            callbacks={"SCHEMA": seen["SCHEMA"].append, "RECORD": seen["RECORD"].append},
        )
    assert sum(counts.values()) == len(seen["SCHEMA"]) + len(seen["RECORD"])
    return seen


def test_schema_once_per_stream_then_records(tmp_path: Path, api_key: str) -> None:
    path = tmp_path / "deep" / "dir" / "rejects.singer"
    writer = RejectsWriter(path, SecretRedactor([api_key]))
    writer.write("items", SCHEMA, {"sku": "A"}, "missing required field 'name'", ["sku"])
    writer.write("items", SCHEMA, {"sku": "B"}, "field 'price' is null", ["sku"])
    writer.write("others", {}, {"n": 1}, "why not")
    writer.close()

    lines = read_lines(path)
    assert [(m["type"], m["stream"]) for m in lines] == [
        ("SCHEMA", "items"),
        ("RECORD", "items"),
        ("RECORD", "items"),
        ("SCHEMA", "others"),
        ("RECORD", "others"),
    ]
    items_schema = lines[0]
    assert items_schema["key_properties"] == ["sku"]
    assert items_schema["schema"]["properties"][REJECT_REASON] == {"type": ["string", "null"]}
    assert items_schema["schema"]["properties"]["sku"] == {"type": "string"}
    assert lines[3]["schema"] == {"type": "object", "properties": {REJECT_REASON: {"type": ["string", "null"]}}}
    assert lines[3]["key_properties"] == []
    assert lines[1]["record"] == {"sku": "A", REJECT_REASON: "missing required field 'name'"}
    assert lines[2]["record"][REJECT_REASON] == "field 'price' is null"
    assert writer.count == 3


def test_the_sdk_reader_accepts_the_file(tmp_path: Path) -> None:
    path = tmp_path / "rejects.singer"
    writer = RejectsWriter(path, SecretRedactor([]))
    writer.write("items", SCHEMA, {"sku": "A", "note": "naïve ✓"}, "bad", ["sku"])
    writer.write("items", SCHEMA, {"sku": "B"}, "bad too", ["sku"])
    writer.close()

    seen = read_with_sdk(path)
    assert [m["stream"] for m in seen["SCHEMA"]] == ["items"]
    assert [m["record"]["sku"] for m in seen["RECORD"]] == ["A", "B"]
    assert seen["RECORD"][0]["record"]["note"] == "naïve ✓"
    assert all(REJECT_REASON in m["record"] for m in seen["RECORD"])


def test_callers_schema_is_not_modified(tmp_path: Path) -> None:
    schema = json.loads(json.dumps(SCHEMA))
    writer = RejectsWriter(tmp_path / "r.singer", SecretRedactor([]))
    writer.write("items", schema, {"sku": "A"}, "bad")
    writer.close()
    assert schema == SCHEMA


def test_key_is_redacted_from_reasons(tmp_path: Path, api_key: str) -> None:
    path = tmp_path / "r.singer"
    writer = RejectsWriter(path, SecretRedactor([api_key]))
    writer.write("items", SCHEMA, {"sku": "A"}, f"vendor said: key {api_key} has no access to sku A")
    writer.close()

    text = path.read_text(encoding="utf-8")
    assert api_key not in text
    assert read_lines(path)[1]["record"][REJECT_REASON] == "vendor said: key *** has no access to sku A"


def test_parsed_values_are_serialised(tmp_path: Path) -> None:
    path = tmp_path / "r.singer"
    writer = RejectsWriter(path, SecretRedactor([]))
    when = dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    writer.write("items", SCHEMA, {"at": when, "day": dt.date(2024, 5, 1), "amount": decimal.Decimal("1.5")}, "bad")
    writer.close()

    record = read_lines(path)[1]["record"]
    assert record["at"] == "2024-05-01T10:30:00Z"
    assert record["day"] == "2024-05-01"
    assert record["amount"] == 1.5


def test_the_file_is_opened_on_first_use_and_an_earlier_one_is_kept_aside(tmp_path: Path) -> None:
    path = tmp_path / "r.singer"
    writer = RejectsWriter(path, SecretRedactor([]))
    writer.sync()
    writer.close()
    assert not path.exists()

    first = RejectsWriter(path, SecretRedactor([]))
    first.write("items", SCHEMA, {"sku": "A"}, "bad")
    first.close()
    second = RejectsWriter(path, SecretRedactor([]))
    second.write("items", SCHEMA, {"sku": "B"}, "worse")
    second.close()
    assert second.rotated_to is not None and second.rotated_to.parent == tmp_path
    assert second.rotated_to.name.startswith("r.") and second.rotated_to.suffix == ".singer"
    assert [m["record"]["sku"] for m in read_lines(second.rotated_to) if m["type"] == "RECORD"] == ["A"]
    assert [m["record"]["sku"] for m in read_lines(path) if m["type"] == "RECORD"] == ["B"]


def test_a_run_without_rejects_leaves_the_earlier_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "r.singer"
    path.write_text('{"type":"STATE","value":{}}\n', encoding="utf-8")
    writer = RejectsWriter(path, SecretRedactor([]))
    writer.sync()
    writer.close()
    assert path.read_text(encoding="utf-8") == '{"type":"STATE","value":{}}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.singer"]


def test_concurrent_writes_stay_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "r.singer"
    writer = RejectsWriter(path, SecretRedactor([]))

    def worker(n: int) -> None:
        for i in range(50):
            writer.write(f"s{n % 2}", SCHEMA, {"sku": f"{n}-{i}", "pad": "p" * 500}, "bad")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    writer.close()

    lines = read_lines(path)
    assert sum(1 for m in lines if m["type"] == "SCHEMA") == 2
    assert sum(1 for m in lines if m["type"] == "RECORD") == 300
    assert writer.count == 300
    for stream in ("s0", "s1"):
        first = next(m for m in lines if m["stream"] == stream)
        assert first["type"] == "SCHEMA"


def test_replayable_text_stream(tmp_path: Path) -> None:
    # Written lines can be fed back as target input (what `--input rejects.singer` does).
    path = tmp_path / "r.singer"
    writer = RejectsWriter(path, SecretRedactor([]))
    writer.write("items", SCHEMA, {"sku": "A"}, "bad", ["sku"])
    writer.close()
    reader = SimpleSingerReader()
    got: list[dict[str, Any]] = []
    reader.process_lines(io.StringIO(path.read_text(encoding="utf-8")), {"SCHEMA": got.append, "RECORD": got.append})
    assert [m["type"] for m in got] == ["SCHEMA", "RECORD"]
