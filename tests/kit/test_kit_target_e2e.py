"""End to end: a tiny vendor target (fake_vendor.py) on the kit, against the scripted server.

Most runs go through the SDK's `Target.listen(file_input=...)` in this process; two go
through the CLI in a subprocess with DEBUG logging, to check exit codes and that the API
key appears in no output at all.
"""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from api_target_kit.delivery_kit import REASON_KEY_MAX, reason_group
from api_target_kit.errors import (
    ConfigurationError,
    DeliveryError,
    TooManyRejectsError,
    UnknownStreamError,
    VendorError,
)
from api_target_kit.reject_ratio import RejectedStreamError
from api_target_kit.rejects import REJECT_REASON

KIT_TESTS = Path(__file__).parent
# fake_vendor.py sits next to this file and also runs as a CLI script; make it importable
# whatever pytest's import mode (the repo uses importlib, which adds nothing to sys.path).
if str(KIT_TESTS) not in sys.path:
    sys.path.insert(0, str(KIT_TESTS))

from fake_vendor import TargetFakeVendor  # noqa: E402

ITEMS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "sku": {"type": ["string", "null"]},
        "name": {"type": ["string", "null"]},
        "updated": {"type": ["string", "null"], "format": "date-time"},
    },
}
STATE = {"type": "STATE", "value": {"bookmarks": {"items": {"replication_key_value": "2024-05-01"}}}}


def schema(stream: str = "items") -> dict[str, Any]:
    return {"type": "SCHEMA", "stream": stream, "schema": ITEMS_SCHEMA, "key_properties": ["sku"]}


def record(stream: str = "items", **fields: Any) -> dict[str, Any]:
    return {"type": "RECORD", "stream": stream, "record": fields}


def singer(*messages: dict[str, Any]) -> str:
    return "".join(json.dumps(m) + "\n" for m in messages)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def state_lines(stdout: str) -> list[dict[str, Any]]:
    """STATE the target emitted: every stdout line that is a JSON object with bookmarks."""
    found = []
    for line in stdout.splitlines():
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict) and "bookmarks" in value:
            found.append(value)
    return found


@pytest.fixture
def config(tmp_path: Path, server: Any, api_key: str) -> dict[str, Any]:
    return {
        "api_key": api_key,
        "api_url": server.url,
        "rejects_path": str(tmp_path / "rejects.singer"),
        "dry_run_path": str(tmp_path / "dry-run.jsonl"),
        "summary_path": str(tmp_path / "summary.json"),
        "progress_interval_seconds": 0,
        "max_requests_per_minute": 6000,
    }


Run = Callable[..., tuple[TargetFakeVendor, str]]


@pytest.fixture
def run(config: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> Run:
    """Run the target in-process on `messages`; return it and what it wrote to stdout."""

    def _run(*messages: dict[str, Any], **overrides: Any) -> tuple[TargetFakeVendor, str]:
        target = TargetFakeVendor(config={**config, **overrides}, validate_config=True)
        capsys.readouterr()
        try:
            target.listen(file_input=io.StringIO(singer(*messages)))
        finally:
            captured = capsys.readouterr()
            _run.stdout = captured.out  # type: ignore[attr-defined]
        return target, captured.out

    return _run


def summary(config: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(Path(config["summary_path"]).read_text(encoding="utf-8"))
    return result


# Delivery ------------------------------------------------------------------------------


def test_upserts_and_deletes_are_delivered_then_state(
    run: Run, server: Any, config: dict[str, Any], api_key: str
) -> None:
    _, stdout = run(
        schema(),
        record(sku="A", name="Anvil", updated="2024-05-01T12:00:00+02:00"),
        record(sku="B", name="Bolt"),
        record(sku="C", _sdc_deleted_at="2024-05-02T08:00:00Z"),
        STATE,
    )

    assert len(server.requests) == 1
    request = server.requests[0]
    assert (request.method, request.path) == ("POST", "/items")
    assert request.header("Authorization") == f"Bearer {api_key}"
    assert request.json() == {
        "upserts": [
            {"sku": "A", "name": "Anvil", "updated": "2024-05-01T10:00:00Z"},
            {"sku": "B", "name": "Bolt"},
        ],
        # `_sdc_deleted_at` reached the sink although add_record_metadata is off.
        "deletes": [{"sku": "C", "deleted_at": "2024-05-02T08:00:00Z"}],
    }
    assert "add_record_metadata" not in config
    assert state_lines(stdout) == [STATE["value"]]

    result = summary(config)
    assert result["status"] == "succeeded"
    assert result["streams"]["items"]["received"] == 3
    assert result["streams"]["items"]["sent"] == 2
    assert result["streams"]["items"]["deleted"] == 1
    assert result["api"]["calls"] == 1
    assert not Path(config["rejects_path"]).exists()


def test_stream_mapped_by_entities_setting(run: Run, server: Any) -> None:
    run(schema("products"), record("products", sku="P1"), entities={"products": "items"})
    assert server.requests[0].json()["upserts"] == [{"sku": "P1"}]


def test_invalid_records_are_rejected_and_the_run_goes_on(run: Run, server: Any, config: dict[str, Any]) -> None:
    _, stdout = run(
        schema(),
        record(sku="A"),
        record(name="no sku"),
        record(sku="B", updated="not a date"),
        record(_sdc_deleted_at="2024-05-02T08:00:00Z", name="delete without key"),
        record(sku="C"),
        STATE,
    )

    assert [u["sku"] for u in server.requests[0].json()["upserts"]] == ["A", "C"]
    assert server.requests[0].json()["deletes"] == []
    assert state_lines(stdout) == [STATE["value"]]

    lines = read_jsonl(Path(config["rejects_path"]))
    assert [m["type"] for m in lines] == ["SCHEMA", "RECORD", "RECORD", "RECORD"]
    assert lines[0]["schema"]["properties"][REJECT_REASON] == {"type": ["string", "null"]}
    assert lines[0]["key_properties"] == ["sku"]
    rejected = [m["record"] for m in lines[1:]]
    # The records as the tap sent them (no SDK metadata), each with its reason.
    assert rejected[0] == {"name": "no sku", REJECT_REASON: "missing required field 'sku'"}
    assert rejected[1]["updated"] == "not a date"
    assert "field 'updated'" in rejected[1][REJECT_REASON]
    assert rejected[2]["_sdc_deleted_at"] == "2024-05-02T08:00:00Z"
    assert rejected[2][REJECT_REASON] == "delete without any of its key fields (sku)"
    assert all(not k.startswith("_sdc_") or k == "_sdc_deleted_at" for r in rejected for k in r)

    items = summary(config)["streams"]["items"]
    assert items["received"] == 5
    assert items["sent"] == 2
    assert items["rejected"] == 3
    assert items["rejected_by_reason"]["missing required field 'sku'"] == 1


def test_rejects_file_replays_through_the_target(run: Run, server: Any, config: dict[str, Any], tmp_path: Path) -> None:
    with pytest.raises(RejectedStreamError, match="Stream 'items': every record rejected"):
        run(schema(), record(name="no sku"), record(name="no sku either"))
    assert server.requests == []
    rejects = Path(config["rejects_path"])

    # Fix the cause, then replay the file as target input.
    fixed = []
    for message in read_jsonl(rejects):
        if message["type"] == "RECORD":
            message["record"]["sku"] = message["record"]["name"].replace(" ", "-")
        fixed.append(message)
    run(*fixed, rejects_path=str(tmp_path / "rejects-2.singer"))

    assert server.requests[0].json()["upserts"] == [
        {"sku": "no-sku", "name": "no sku"},
        {"sku": "no-sku-either", "name": "no sku either"},
    ]


# Unknown streams ---------------------------------------------------------------------------


def test_unknown_stream_fails_naming_it(run: Run, server: Any) -> None:
    with pytest.raises(UnknownStreamError) as caught:
        run(schema(), record(sku="A"), schema("invoices"), record("invoices", sku="I"), STATE)

    assert "'invoices'" in str(caught.value)
    assert "items" in str(caught.value)
    assert server.requests == []
    assert state_lines(run.stdout) == []  # type: ignore[attr-defined]


def test_unknown_stream_ignored_is_counted_as_skipped(run: Run, server: Any, config: dict[str, Any]) -> None:
    _, stdout = run(
        schema(),
        schema("invoices"),
        record("invoices", sku="I1"),
        record(sku="A"),
        record("invoices", sku="I2"),
        STATE,
        unknown_streams="ignore",
    )

    assert len(server.requests) == 1
    assert server.requests[0].json()["upserts"] == [{"sku": "A"}]
    invoices = summary(config)["streams"]["invoices"]
    assert invoices["received"] == 2
    assert invoices["skipped"] == 2
    assert invoices["sent"] == 0
    assert state_lines(stdout) == [STATE["value"]]


# Dry run ----------------------------------------------------------------------------------------


def test_dry_run_writes_requests_sends_nothing_and_emits_no_state(
    run: Run, server: Any, config: dict[str, Any]
) -> None:
    _, stdout = run(
        schema(),
        record(sku="A"),
        record(name="no sku"),
        record(sku="C", _sdc_deleted_at="2024-05-02T08:00:00Z"),
        STATE,
        dry_run=True,
    )

    assert server.requests == []
    assert state_lines(stdout) == []
    assert stdout.strip() == ""
    lines = read_jsonl(Path(config["dry_run_path"]))
    assert lines == [
        {
            "method": "POST",
            "path": "/items",
            "body": {"upserts": [{"sku": "A"}], "deletes": [{"sku": "C", "deleted_at": "2024-05-02T08:00:00Z"}]},
        }
    ]
    result = summary(config)
    assert result["status"] == "dry_run"  # delivered nothing, so not `succeeded`
    assert result["dry_run"]["requests_a_real_run_would_make"] == 1
    assert result["dry_run"]["dry_run_path"] == config["dry_run_path"]
    assert result["streams"]["items"]["rejected"] == 1  # validation still runs
    # Nothing was sent: the summary says so, and what a real run would send beside it.
    assert (result["streams"]["items"]["sent"], result["streams"]["items"]["deleted"]) == (0, 0)
    assert (result["streams"]["items"]["would_send"], result["streams"]["items"]["would_delete"]) == (1, 1)


def test_dry_run_needs_no_api_key(run: Run, server: Any, config: dict[str, Any]) -> None:
    _, stdout = run(schema(), record(sku="A"), STATE, dry_run=True, api_key=None)
    assert server.requests == []
    assert state_lines(stdout) == []
    assert len(read_jsonl(Path(config["dry_run_path"]))) == 1


# Failures ------------------------------------------------------------------------------------------


def test_too_many_rejects_stops_without_state(run: Run, server: Any, config: dict[str, Any]) -> None:
    with pytest.raises(TooManyRejectsError) as caught:
        run(
            schema(),
            record(sku="A"),
            record(name="bad 1"),
            record(name="bad 2"),
            STATE,
            max_rejected_records=1,
        )

    assert "2 records rejected" in str(caught.value)
    assert "max_rejected_records=1" in str(caught.value)
    assert state_lines(run.stdout) == []  # type: ignore[attr-defined]
    result = summary(config)
    assert result["status"] == "failed"
    assert "TooManyRejectsError" in result["error"]
    # The rejects are durable for the operator.
    assert sum(1 for m in read_jsonl(Path(config["rejects_path"])) if m["type"] == "RECORD") == 2


def test_rejects_within_the_limit_pass(run: Run, config: dict[str, Any]) -> None:
    _, stdout = run(schema(), record(sku="A"), record(name="bad"), STATE, max_rejected_records=1)
    assert state_lines(stdout) == [STATE["value"]]
    assert summary(config)["status"] == "succeeded"


def test_vendor_error_stops_without_state_and_key_stays_out_of_summary(
    run: Run, server: Any, config: dict[str, Any], api_key: str
) -> None:
    server.script({"status": 422, "body": f"sku rejected for account key {api_key}"})

    with pytest.raises(VendorError) as caught:
        run(schema(), record(sku="A"), STATE)

    assert caught.value.status == 422
    assert state_lines(run.stdout) == []  # type: ignore[attr-defined]
    result = summary(config)
    assert result["status"] == "failed"
    assert "HTTP 422" in result["error"]
    assert api_key not in Path(config["summary_path"]).read_text(encoding="utf-8")


def test_api_key_required_without_dry_run(run: Run) -> None:
    with pytest.raises(ConfigurationError, match="api_key is required"):
        run(schema(), record(sku="A"), api_key=None)


def test_plain_http_to_a_remote_host_is_refused(run: Run) -> None:
    with pytest.raises(ConfigurationError, match="loopback"):
        run(schema(), record(sku="A"), api_url="http://example.com/api")


def test_in_process_debug_logs_never_show_the_key(
    run: Run, server: Any, api_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    server.script({"status": 503, "headers": {"Retry-After": "0"}, "body": f"down (key {api_key})"}, {})
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("urllib3").setLevel(logging.DEBUG)
        try:
            run(schema(), record(sku="A"), record(name="bad"), STATE)
        finally:
            logging.getLogger("urllib3").setLevel(logging.NOTSET)

    assert len(server.requests) == 2
    assert "Retrying" in caplog.text
    assert "***" in caplog.text
    assert api_key not in caplog.text
    assert api_key not in run.stdout  # type: ignore[attr-defined]


# CLI in a subprocess, DEBUG logging -----------------------------------------------------------


def run_cli(config: dict[str, Any], tmp_path: Path, messages: str) -> subprocess.CompletedProcess[str]:
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    input_path = tmp_path / "input.singer"
    input_path.write_text(messages, encoding="utf-8")
    env = {**os.environ, "LOGLEVEL": "DEBUG"}
    return subprocess.run(
        [sys.executable, str(KIT_TESTS / "fake_vendor.py"), "--config", str(config_path), "--input", str(input_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_cli_debug_run_never_shows_the_key(server: Any, config: dict[str, Any], tmp_path: Path, api_key: str) -> None:
    server.script({"status": 503, "headers": {"Retry-After": "0"}, "body": f"down (key {api_key})"}, {})
    messages = singer(schema(), record(sku="A"), record(name="no sku"), STATE)

    done = run_cli(config, tmp_path, messages)

    assert done.returncode == 0, done.stderr[-3000:]
    assert state_lines(done.stdout) == [STATE["value"]]
    # DEBUG logging really was on, urllib3's included, and the retry was logged.
    assert "| DEBUG " in done.stderr
    assert '"POST /items HTTP/1.1" 503' in done.stderr
    assert "Retrying" in done.stderr
    assert "down (key ***)" in done.stderr
    assert len(server.requests) == 2
    assert server.requests[-1].header("Authorization") == f"Bearer {api_key}"
    for text in (
        done.stdout,
        done.stderr,
        Path(config["rejects_path"]).read_text(encoding="utf-8"),
        Path(config["summary_path"]).read_text(encoding="utf-8"),
    ):
        assert api_key not in text
    assert summary(config)["status"] == "succeeded"


def test_cli_too_many_rejects_exits_non_zero_without_state(
    server: Any, config: dict[str, Any], tmp_path: Path, api_key: str
) -> None:
    messages = singer(schema(), record(sku="A"), record(name="bad 1"), record(name="bad 2"), STATE)

    done = run_cli({**config, "max_rejected_records": 1}, tmp_path, messages)

    assert done.returncode == 1
    assert state_lines(done.stdout) == []
    assert "max_rejected_records=1" in done.stderr
    assert api_key not in done.stdout + done.stderr
    assert summary(config)["status"] == "failed"


def test_errors_are_delivery_errors() -> None:
    # What ApiTarget.invoke turns into exit code 1.
    for cls in (ConfigurationError, TooManyRejectsError, UnknownStreamError, VendorError):
        assert issubclass(cls, DeliveryError)


def test_a_reject_is_logged_by_its_stream_and_long_reasons_are_cut_at_a_word(
    run: Run, config: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        run(schema("orders"), record("orders", name="no sku"), entities={"orders": "items"}, max_rejected_ratio=1)
    assert "Rejected a record of stream `orders`: missing required field 'sku'" in caplog.text

    reason = "the vendor refused the record because " + "its shipping-address-country " * 10
    key = reason_group(reason)
    assert len(key) <= REASON_KEY_MAX and key.endswith("...")
    kept = key.removesuffix("...")
    assert reason.startswith(kept) and reason[len(kept)] == " "  # whole words only
    assert reason_group("field 'x' is not one of the allowed values ('a', 'b'): 'c'") == (
        "field 'x' is not one of the allowed values ('a', 'b')"
    )
