"""The Singer SDK's standard target tests for target-ecomail, against a live sandbox.

The suite's generic streams map to no Ecomail entity, so the config sets
`unknown_streams: ignore`, as DESIGN.md says; none of its tests is skipped.
"""

from __future__ import annotations

import atexit
import tempfile

from singer_sdk.testing import get_target_test_class

from target_ecomail.sandbox import EcomailSandbox, SandboxConfig
from target_ecomail.target import TargetEcomail

from .runs import ECOMAIL_KEY

_SANDBOX = EcomailSandbox(SandboxConfig(api_key=ECOMAIL_KEY, rate_limit=6000))
_SANDBOX.start(port=0)
atexit.register(_SANDBOX.stop)
_WORKDIR = tempfile.mkdtemp(prefix="ecomail-sdk-suite-")

TestTargetEcomail = get_target_test_class(
    TargetEcomail,
    config={
        "api_key": ECOMAIL_KEY,
        "api_url": _SANDBOX.base_url,
        "list_id": "1",
        "unknown_streams": "ignore",
        "max_requests_per_minute": 6000,
        "rejects_path": f"{_WORKDIR}/rejects.singer",
        "ledger_path": f"{_WORKDIR}/ledger.sqlite",
        "progress_interval_seconds": 0,
    },
)
