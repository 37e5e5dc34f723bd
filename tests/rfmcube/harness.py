"""Running target-rfmcube as a real process against a sandbox (see tests/target_harness.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..target_harness import (
    DEMO,
    ROOT,
    TargetRun,
    load_demo,
    schema_for,
    stream_messages,
)
from ..target_harness import run_target as _run_target
from ..target_harness import write_config as _write_config

KEY = "rfm-test-key-7f3a9c"

__all__ = [
    "DEMO",
    "KEY",
    "ROOT",
    "TargetRun",
    "load_demo",
    "run_target",
    "schema_for",
    "stream_messages",
    "write_config",
]


def write_config(workdir: Path, api_url: str, **settings: Any) -> Path:
    """A target-rfmcube config in `workdir` with the test key."""
    return _write_config(workdir, api_url, api_key=KEY, **settings)


def run_target(workdir: Path, api_url: str, messages: Any, **kwargs: Any) -> TargetRun:
    """Run target-rfmcube on `messages`."""
    return _run_target("target_rfmcube", workdir, api_url, messages, api_key=KEY, **kwargs)
