"""SIGTERM while an import is being confirmed: the target stops without emitting STATE."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from .conftest import StartSandbox
from .harness import stream_messages, write_config
from .test_delivery import _customer


def test_sigterm_during_a_delivery_emits_no_state_and_exits_non_zero(
    start_sandbox: StartSandbox, tmp_path: Path
) -> None:
    sandbox = start_sandbox(process_seconds=30)  # the import stays unconfirmed while we signal
    config_path = write_config(tmp_path, sandbox.base_url, poll_interval_seconds=0.2, poll_max_interval_seconds=0.2)
    messages = [*stream_messages("customers", [_customer(n) for n in range(10)], key="id", state_every=5)]
    (tmp_path / "input.singer").write_text("".join(json.dumps(m) + "\n" for m in messages))
    target = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "target_rfmcube",
            *("--config", str(config_path)),
            *("--input", str(tmp_path / "input.singer")),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not any(r["path"].endswith("/import") for r in sandbox.request_log()):
        assert time.monotonic() < deadline, "the target never sent its import"
        time.sleep(0.05)
    time.sleep(0.5)  # now polling the unfinished process
    target.send_signal(signal.SIGTERM)
    stdout, stderr = target.communicate(timeout=30)
    assert target.returncode == 128 + signal.SIGTERM
    assert stdout.strip() == "", "no STATE may be emitted for the unconfirmed import"
    assert "stopping without STATE" in stderr
    assert json.loads((tmp_path / "summary.json").read_text())["status"] == "failed"
