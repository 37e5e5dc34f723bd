"""Fixtures: each vendor's sandbox on a free loopback port, with that vendor's key (see `vendors.py`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from api_target_kit.sandbox import SandboxApp

from ..sandbox_fixtures import start_sandbox_fixture
from .vendors import CONNECTIF, ECOMAIL, RFMCUBE, Vendor

StartSandbox = Callable[..., SandboxApp[Any]]


def _fixture(vendor: Vendor) -> Callable[..., Any]:
    return start_sandbox_fixture(
        vendor.sandbox_type, vendor.config_type, api_key=vendor.api_key, **vendor.sandbox_defaults
    )


start_rfmcube_sandbox = _fixture(RFMCUBE)
start_ecomail_sandbox = _fixture(ECOMAIL)
start_connectif_sandbox = _fixture(CONNECTIF)


@pytest.fixture
def start_sandbox(request: pytest.FixtureRequest) -> Callable[..., SandboxApp[Any]]:
    """`start_sandbox(vendor_name, **config)`: that vendor's sandbox (started, stopped after the test)."""

    def start(vendor: str, **config: Any) -> SandboxApp[Any]:
        starter: StartSandbox = request.getfixturevalue(f"start_{vendor}_sandbox")
        return starter(**config)

    return start
