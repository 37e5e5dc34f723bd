"""Fixtures: Ecomail sandboxes on free loopback ports."""

from __future__ import annotations

from collections.abc import Callable

from target_ecomail.sandbox import EcomailSandbox, SandboxConfig

from ..sandbox_fixtures import start_sandbox_fixture
from .harness_keys import KEY

StartSandbox = Callable[..., EcomailSandbox]

start_sandbox = start_sandbox_fixture(EcomailSandbox, SandboxConfig, api_key=KEY)
"""Start Ecomail sandboxes (key `KEY` unless given); stop them all afterwards."""
