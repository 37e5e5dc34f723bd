"""Fixtures: Connectif sandboxes on free loopback ports."""

from __future__ import annotations

from collections.abc import Callable

from target_connectif.sandbox import ConnectifSandbox, SandboxConfig

from ..sandbox_fixtures import start_sandbox_fixture

KEY = "test-key-id:test-key-secret"
"""The API key the sandboxes expect: ``<keyId>:<keySecret>``."""

StartSandbox = Callable[..., ConnectifSandbox]

start_sandbox = start_sandbox_fixture(
    ConnectifSandbox, SandboxConfig, api_key=KEY, import_seconds=0.1, rate_limit=10_000
)
"""Start Connectif sandboxes (key `KEY`, fast imports, a high rate limit unless given); stop them afterwards."""
