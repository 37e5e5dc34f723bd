"""The Singer SDK's standard target tests for target-connectif, against a live sandbox.

The suite's generic streams map to no Connectif entity, so the config sets
`unknown_streams: ignore`, as DESIGN.md says; none of its tests is skipped.
"""

from __future__ import annotations

import atexit
import tempfile

from singer_sdk.testing import get_target_test_class

from target_connectif.sandbox import ConnectifSandbox, SandboxConfig
from target_connectif.target import TargetConnectif

from .runs import CONNECTIF_KEY

_SANDBOX = ConnectifSandbox(SandboxConfig(api_key=CONNECTIF_KEY, rate_limit=6000))
_SANDBOX.start(port=0)
atexit.register(_SANDBOX.stop)
_WORKDIR = tempfile.mkdtemp(prefix="connectif-sdk-suite-")

TestTargetConnectif = get_target_test_class(
    TargetConnectif,
    config={
        "api_key": CONNECTIF_KEY,
        "api_url": _SANDBOX.base_url,
        "unknown_streams": "ignore",
        "max_requests_per_minute": 6000,
        "rejects_path": f"{_WORKDIR}/rejects.singer",
        "ledger_path": f"{_WORKDIR}/ledger.sqlite",
        "progress_interval_seconds": 0,
    },
)
