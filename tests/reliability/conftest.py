"""Fixtures: each vendor's sandbox on a free loopback port, with that vendor's key (see `vendors.py`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import pytest

from api_target_kit.sandbox import SandboxApp

from ..sandbox_fixtures import start_sandbox_fixture
from .vendors import CONNECTIF, ECOMAIL, RFMCUBE, Vendor

StartSandbox = Callable[..., SandboxApp[Any]]


def _fixture(vendor: Vendor, scope: Literal["function", "module"] = "function") -> Callable[..., Any]:
    return start_sandbox_fixture(
        vendor.sandbox_type, vendor.config_type, scope=scope, api_key=vendor.api_key, **vendor.sandbox_defaults
    )


start_rfmcube_sandbox = _fixture(RFMCUBE)
start_ecomail_sandbox = _fixture(ECOMAIL)
start_connectif_sandbox = _fixture(CONNECTIF)
module_rfmcube_sandbox = _fixture(RFMCUBE, "module")
module_ecomail_sandbox = _fixture(ECOMAIL, "module")
module_connectif_sandbox = _fixture(CONNECTIF, "module")


def _dispatch(request: pytest.FixtureRequest, prefix: str) -> StartSandbox:
    def start(vendor: str, **config: Any) -> SandboxApp[Any]:
        starter: StartSandbox = request.getfixturevalue(f"{prefix}_{vendor}_sandbox")
        return starter(**config)

    return start


@pytest.fixture
def start_sandbox(request: pytest.FixtureRequest) -> StartSandbox:
    """`start_sandbox(vendor_name, **config)`: that vendor's sandbox (started, stopped after the test)."""
    return _dispatch(request, "start")


@pytest.fixture(scope="module")
def start_module_sandbox(request: pytest.FixtureRequest) -> StartSandbox:
    """The same for a module's fixtures: the sandboxes are stopped after the module's tests."""
    return _dispatch(request, "module")
