"""Sink orchestration: prerequisites drain first, the last record of a key wins, extra checks reject."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path
from typing import Any, ClassVar

import pytest

from api_target_kit.concurrency import for_each_concurrently
from api_target_kit.settings import common_settings, properties_schema
from api_target_kit.sink import EntitySink
from api_target_kit.target import ApiTarget
from api_target_kit.validation import EntityRules

DELIVERED: list[tuple[str, str, list[Any]]] = []


def no_blue(record: dict[str, Any]) -> str | None:
    return "field 'colour' may not be blue" if record.get("colour") == "blue" else None


class ParentsSink(EntitySink):
    entity = "parents"
    rules = EntityRules(schema={"type": "object", "required": ["id"]}, delete_keys=("id",), checks=(no_blue,))
    entity_key = ("id",)

    def deliver(self, context: dict[str, Any]) -> None:
        DELIVERED.append(("parents", "upsert", [r["id"] for r in context.get("records", [])]))
        DELIVERED.append(("parents", "delete", [r["id"] for r in context.get("deletes", [])]))


class ChildrenSink(EntitySink):
    entity = "children"
    rules = EntityRules(schema={"type": "object", "required": ["id"]})
    depends_on = ("parents",)
    MAX_SIZE_DEFAULT = 2

    def deliver(self, context: dict[str, Any]) -> None:
        DELIVERED.append(("children", "upsert", [r["id"] for r in context.get("records", [])]))


class TargetFamily(ApiTarget):
    name = "target-family"
    vendor = "Family"
    entity_sinks: ClassVar[dict[str, type[EntitySink]]] = {"parents": ParentsSink, "children": ChildrenSink}
    config_jsonschema = properties_schema(
        *common_settings(target_name=name, default_api_url="https://family.invalid", default_max_requests_per_minute=60)
    )

    def auth_headers(self) -> dict[str, str]:
        return {}


def _run(tmp_path: Path, messages: list[dict[str, Any]]) -> dict[str, Any]:
    DELIVERED.clear()
    summary = tmp_path / "summary.json"
    target = TargetFamily(
        config={
            "api_key": "k",
            "rejects_path": str(tmp_path / "rejects.singer"),
            "summary_path": str(summary),
            "progress_interval_seconds": 0,
        }
    )
    target.listen(file_input=io.StringIO("".join(json.dumps(m) + "\n" for m in messages)))
    return dict(json.loads(summary.read_text()))


def _schema(stream: str) -> dict[str, Any]:
    props = {"id": {"type": ["string"]}, "colour": {"type": ["string", "null"]}}
    props["_sdc_deleted_at"] = {"type": ["string", "null"], "format": "date-time"}
    return {
        "type": "SCHEMA",
        "stream": stream,
        "schema": {"type": "object", "properties": props},
        "key_properties": ["id"],
    }


def _record(stream: str, **fields: Any) -> dict[str, Any]:
    return {"type": "RECORD", "stream": stream, "record": fields}


def test_a_full_dependent_sink_drains_its_prerequisites_first(tmp_path: Path) -> None:
    _run(
        tmp_path,
        [
            _schema("children"),
            _schema("parents"),
            _record("parents", id="p1"),
            _record("children", id="c1"),
            _record("children", id="c2"),  # full: drains, and parents must go first
            _record("parents", id="p2"),
        ],
    )

    order = [(entity, ids) for entity, kind, ids in DELIVERED if kind == "upsert"]
    assert order[:2] == [("parents", ["p1"]), ("children", ["c1", "c2"])]
    assert ("parents", ["p2"]) in order[2:]


def test_the_target_drains_sinks_one_at_a_time_when_one_depends_on_another(tmp_path: Path) -> None:
    assert TargetFamily(config={"api_key": "k", "rejects_path": str(tmp_path / "r.singer")}).max_parallelism == 1


def test_the_last_record_of_a_key_wins_within_a_batch(tmp_path: Path) -> None:
    summary = _run(
        tmp_path,
        [
            _schema("parents"),
            _record("parents", id="p1", colour="red"),
            _record("parents", id="p2"),
            _record("parents", id="p1", _sdc_deleted_at="2026-01-01T00:00:00Z"),
        ],
    )

    assert ("parents", "upsert", ["p2"]) in DELIVERED
    assert ("parents", "delete", ["p1"]) in DELIVERED
    assert summary["streams"]["parents"]["skipped"] == 1


def test_an_extra_check_rejects_naming_the_field(tmp_path: Path) -> None:
    _run(tmp_path, [_schema("parents"), _record("parents", id="p1", colour="blue"), _record("parents", id="p2")])

    rejects = [json.loads(line) for line in (tmp_path / "rejects.singer").read_text().splitlines()]
    reasons = [m["record"]["_reject_reason"] for m in rejects if m["type"] == "RECORD"]
    assert reasons == ["field 'colour' may not be blue"]
    assert ("parents", "upsert", ["p2"]) in DELIVERED


def test_concurrent_calls_all_run_and_results_are_ignored() -> None:
    seen: list[int] = []
    lock = threading.Lock()

    def send(item: int) -> bool:
        with lock:
            seen.append(item)
        return True

    for_each_concurrently(range(50), send, workers=4)

    assert sorted(seen) == list(range(50))


def test_concurrent_calls_stop_starting_after_a_failure_and_raise_it() -> None:
    started: list[int] = []

    def send(item: int) -> None:
        started.append(item)
        if item == 0:
            raise RuntimeError("boom")
        threading.Event().wait(0.01)

    with pytest.raises(RuntimeError, match="boom"):
        for_each_concurrently(range(200), send, workers=2)

    assert len(started) < 200
