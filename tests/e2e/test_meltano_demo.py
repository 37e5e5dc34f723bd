"""The README's demo, through Meltano: every valid demo record ends up in each vendor's sandbox."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = {
    "rfmcube": ROOT / "demo" / "expected.json",
    "ecomail": ROOT / "demo" / "ecomail" / "expected.json",
    "connectif": ROOT / "demo" / "connectif" / "expected.json",
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("vendor", sorted(EXPECTED))
def test_demo_through_meltano_delivers_every_valid_record(vendor: str) -> None:
    meltano = ROOT / ".venv-meltano" / "bin" / "meltano"
    assert meltano.exists(), "run ./scripts/test.sh (it installs Meltano into .venv-meltano)"
    env = {**os.environ, f"{vendor.upper()}_SANDBOX_PORT": str(_free_port())}
    env.pop(f"TARGET_{vendor.upper()}_API_KEY", None)
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py"), vendor],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-3000:]
    expected = json.loads(EXPECTED[vendor].read_text())
    for name, count in {**expected["sandbox"], "rejects": expected["rejects"]}.items():
        assert any(line.split()[:3] == [name, str(count), str(count)] for line in done.stdout.splitlines()), name
    summaries = [json.loads(p.read_text()) for p in (ROOT / "output" / vendor).glob("summary-*.json")]
    assert summaries and all(s["status"] == "succeeded" for s in summaries)
    assert all(s["api"]["rate_limited_429"] == 0 for s in summaries)
