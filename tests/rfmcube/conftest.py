"""Fixtures: Rfmcube sandboxes on free loopback ports."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from target_rfmcube.sandbox import RfmcubeSandbox, SandboxConfig

from .harness import KEY

StartSandbox = Callable[..., RfmcubeSandbox]


@pytest.fixture
def start_sandbox() -> Iterator[StartSandbox]:
    """Start Rfmcube sandboxes (key `KEY`, fast processes); stop them afterwards."""
    started: list[RfmcubeSandbox] = []

    def _start(**settings: Any) -> RfmcubeSandbox:
        settings.setdefault("api_key", KEY)
        settings.setdefault("process_seconds", 0.1)
        settings.setdefault("rate_limit", 1200)
        sandbox = RfmcubeSandbox(SandboxConfig(**settings))
        sandbox.start(port=0)
        started.append(sandbox)
        return sandbox

    yield _start
    for sandbox in started:
        sandbox.stop()
