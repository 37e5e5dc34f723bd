"""Fixtures: Ecomail sandboxes on free loopback ports."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from target_ecomail.sandbox import EcomailSandbox, SandboxConfig

from .harness_keys import KEY

StartSandbox = Callable[..., EcomailSandbox]


@pytest.fixture
def start_sandbox() -> Iterator[StartSandbox]:
    """Start Ecomail sandboxes (key `KEY` unless given); stop them all afterwards."""
    started: list[EcomailSandbox] = []

    def _start(**settings: Any) -> EcomailSandbox:
        settings.setdefault("api_key", KEY)
        sandbox = EcomailSandbox(SandboxConfig(**settings))
        sandbox.start(port=0)
        started.append(sandbox)
        return sandbox

    yield _start
    for sandbox in started:
        sandbox.stop()
