"""Fixtures: Rfmcube sandboxes on free loopback ports."""

from __future__ import annotations

from collections.abc import Callable

from target_rfmcube.sandbox import RfmcubeSandbox, SandboxConfig

from ..sandbox_fixtures import start_sandbox_fixture
from .harness import KEY

StartSandbox = Callable[..., RfmcubeSandbox]

start_sandbox = start_sandbox_fixture(RfmcubeSandbox, SandboxConfig, api_key=KEY, process_seconds=0.1, rate_limit=1200)
"""Start Rfmcube sandboxes (key `KEY`, fast processes); stop them afterwards."""
