"""The Singer SDK's standard target tests for target-rfmcube, against a live sandbox.

The suite feeds generic streams (`TestCamelcase`, `array_data`, ...) that are neither
customers nor orders, so the config sets `unknown_streams: ignore`, as DESIGN.md says.
No test is skipped: the ones that expect an error (record before schema, missing key
property, invalid schema) get it from the SDK before our routing is involved.
"""

from __future__ import annotations

import atexit
import tempfile

from singer_sdk.testing import get_target_test_class

from target_rfmcube.sandbox import RfmcubeSandbox, SandboxConfig
from target_rfmcube.target import TargetRfmcube

from .harness import KEY

_SANDBOX = RfmcubeSandbox(SandboxConfig(api_key=KEY, rate_limit=1200, process_seconds=0.05))
_SANDBOX.start(port=0)
atexit.register(_SANDBOX.stop)
_WORKDIR = tempfile.mkdtemp(prefix="rfmcube-sdk-suite-")

TestTargetRfmcube = get_target_test_class(
    TargetRfmcube,
    config={
        "api_key": KEY,
        "api_url": _SANDBOX.base_url,
        "unknown_streams": "ignore",
        "max_requests_per_minute": 1200,
        "rejects_path": f"{_WORKDIR}/rejects.singer",
        "customer_index_path": f"{_WORKDIR}/customers.sqlite",
        "progress_interval_seconds": 0,
    },
)
