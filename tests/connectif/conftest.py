"""Fixtures: Connectif sandboxes on free loopback ports."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from target_connectif.sandbox import ConnectifSandbox, SandboxConfig

KEY = "test-key-id:test-key-secret"
"""The API key the sandboxes expect: ``<keyId>:<keySecret>``."""

StartSandbox = Callable[..., ConnectifSandbox]


@pytest.fixture
def start_sandbox() -> Iterator[StartSandbox]:
    """Start Connectif sandboxes (key `KEY`, fast imports, a high rate limit unless given); stop them afterwards."""
    started: list[ConnectifSandbox] = []

    def _start(**settings: Any) -> ConnectifSandbox:
        settings.setdefault("api_key", KEY)
        settings.setdefault("import_seconds", 0.1)
        settings.setdefault("rate_limit", 10_000)
        sandbox = ConnectifSandbox(SandboxConfig(**settings))
        sandbox.start(port=0)
        started.append(sandbox)
        return sandbox

    yield _start
    for sandbox in started:
        sandbox.stop()
