"""Fixtures: a sandbox of each vendor (the keys of each vendor's tests)."""

from __future__ import annotations

from target_connectif.sandbox import ConnectifSandbox
from target_connectif.sandbox import SandboxConfig as ConnectifConfig
from target_ecomail.sandbox import EcomailSandbox
from target_ecomail.sandbox import SandboxConfig as EcomailConfig
from target_rfmcube.sandbox import RfmcubeSandbox
from target_rfmcube.sandbox import SandboxConfig as RfmcubeConfig

from ..connectif.runs import CONNECTIF_KEY
from ..ecomail.runs import ECOMAIL_KEY
from ..rfmcube.harness import KEY as RFMCUBE_KEY
from ..sandbox_fixtures import start_sandbox_fixture

rfmcube_sandbox = start_sandbox_fixture(
    RfmcubeSandbox, RfmcubeConfig, api_key=RFMCUBE_KEY, rate_limit=6000, process_seconds=0.1
)
ecomail_sandbox = start_sandbox_fixture(EcomailSandbox, EcomailConfig, api_key=ECOMAIL_KEY, rate_limit=6000)
connectif_sandbox = start_sandbox_fixture(
    ConnectifSandbox, ConnectifConfig, api_key=CONNECTIF_KEY, rate_limit=6000, import_seconds=0.1
)
