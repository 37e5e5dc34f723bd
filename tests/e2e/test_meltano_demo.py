"""The README's demo, through Meltano: every valid demo record ends up in the sandbox."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_demo_through_meltano_delivers_every_valid_record() -> None:
    meltano = ROOT / ".venv-meltano" / "bin" / "meltano"
    assert meltano.exists(), "run ./scripts/test.sh (it installs Meltano into .venv-meltano)"
    env = {**os.environ, "RFMCUBE_SANDBOX_PORT": str(_free_port())}
    env.pop("TARGET_RFMCUBE_API_KEY", None)
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-3000:]
    expected = json.loads((ROOT / "demo" / "expected.json").read_text())
    for name, count in {**expected["sandbox"], "rejects": expected["rejects"]}.items():
        assert any(line.split()[:3] == [name, str(count), str(count)] for line in done.stdout.splitlines()), name
    summaries = [json.loads(p.read_text()) for p in (ROOT / "output" / "rfmcube").glob("summary-*.json")]
    assert sorted(s["status"] for s in summaries) == ["succeeded", "succeeded"]
    assert all(s["api"]["rate_limited_429"] == 0 for s in summaries)
