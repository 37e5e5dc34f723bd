"""Running a target as a real process against its sandbox, and building Singer input (all targets)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "demo"
#: Date-time fields of the demo streams (the schema says so, as a tap's would).
DATE_TIME_FIELDS = frozenset(
    {
        "createdAt",
        "updatedAt",
        "_sdc_deleted_at",
        "timestamp",
        "updated_at",
        "occurred_at",
        "_birthdate",
        "purchaseDate",
    }
)


def load_demo(name: str) -> list[dict[str, Any]]:
    """Records of demo/<name>.jsonl (`name` may name a subdirectory, e.g. `ecomail/subscribers`)."""
    with (DEMO / f"{name}.jsonl").open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def schema_for(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """A Singer schema for records: observed JSON types, date-time for the date fields."""
    kinds: dict[str, set[str]] = {}
    for record in records:
        for key, value in record.items():
            kinds.setdefault(key, set()).add(_kind(value))
    properties: dict[str, Any] = {}
    for key, seen in kinds.items():
        if key in DATE_TIME_FIELDS:
            properties[key] = {"type": ["string", "null"], "format": "date-time"}
        else:
            properties[key] = {"type": sorted(seen | {"null"})}
    return {"type": "object", "properties": properties}


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "string"


def stream_messages(
    stream: str,
    records: Sequence[dict[str, Any]],
    *,
    key: str,
    state_every: int = 0,
    schema: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """SCHEMA then RECORDs, with a STATE after every `state_every` records (0: none)."""
    messages: list[dict[str, Any]] = [
        {"type": "SCHEMA", "stream": stream, "schema": schema or schema_for(records), "key_properties": [key]}
    ]
    for number, record in enumerate(records, start=1):
        messages.append({"type": "RECORD", "stream": stream, "record": record})
        if state_every and number % state_every == 0:
            messages.append({"type": "STATE", "value": {"bookmarks": {stream: {"position": number}}}})
    return messages


@dataclass
class TargetRun:
    """What one run of the target left behind."""

    returncode: int
    stdout: str
    stderr: str
    summary: dict[str, Any] = field(default_factory=dict)
    rejects: list[dict[str, Any]] = field(default_factory=list)

    @property
    def states(self) -> list[dict[str, Any]]:
        """STATE values the target emitted, in order."""
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]


def write_config(workdir: Path, api_url: str, *, api_key: str, **settings: Any) -> Path:
    """A target config in `workdir`: the key, fast polls, every output file in `workdir`.

    A setting given as None is left out (the target's default applies).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    config = {
        "api_key": api_key,
        "api_url": api_url,
        "max_requests_per_minute": 1200,
        "rejects_path": str(workdir / "rejects.singer"),
        "summary_path": str(workdir / "summary.json"),
        "customer_index_path": str(workdir / "customers.sqlite"),
        "ledger_path": str(workdir / "ledger.sqlite"),
        "quota_backend_url": f"sqlite:///{workdir / 'quota.sqlite'}",
        "dry_run_path": str(workdir / "dry-run.jsonl"),
        "poll_interval_seconds": 0.1,
        "poll_max_interval_seconds": 0.5,
        "progress_interval_seconds": 0,
        **settings,
    }
    config = {name: value for name, value in config.items() if value is not None}
    config_path = workdir / "config.json"
    config_path.write_text(json.dumps(config))
    return config_path


def run_target(
    module: str,
    workdir: Path,
    api_url: str,
    messages: Sequence[dict[str, Any]],
    *,
    api_key: str,
    timeout: float = 300,
    env: dict[str, str] | None = None,
    **settings: Any,
) -> TargetRun:
    """Run `python -m <module> --config ...` on `messages`; collect its outputs."""
    data = "".join(json.dumps(m, ensure_ascii=False) + "\n" for m in messages).encode()
    return run_target_input(module, workdir, api_url, data, api_key=api_key, timeout=timeout, env=env, **settings)


def run_target_input(
    module: str,
    workdir: Path,
    api_url: str,
    data: bytes,
    *,
    api_key: str,
    timeout: float = 300,
    env: dict[str, str] | None = None,
    **settings: Any,
) -> TargetRun:
    """`run_target` on raw input bytes (for input that is not a list of well-formed messages)."""
    config_path = write_config(workdir, api_url, api_key=api_key, **settings)
    for stale in ("summary.json",):
        (workdir / stale).unlink(missing_ok=True)
    process = subprocess.run(
        [sys.executable, "-m", module, "--config", str(config_path)],
        input=data,
        capture_output=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )
    summary_path = workdir / "summary.json"
    rejects_path = workdir / "rejects.singer"
    rejects = []
    if rejects_path.exists():
        rejects = [json.loads(line) for line in rejects_path.read_text(encoding="utf-8").splitlines()]
    return TargetRun(
        process.returncode,
        process.stdout.decode("utf-8", errors="replace"),
        process.stderr.decode("utf-8", errors="replace"),
        json.loads(summary_path.read_text()) if summary_path.exists() else {},
        [m for m in rejects if m["type"] == "RECORD"],
    )
