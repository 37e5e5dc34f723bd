"""Fixtures: a real redis-server on loopback (Debian's package; .ci/run installs it)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from target_ecomail.sandbox import EcomailSandbox, SandboxConfig

from ..ecomail.runs import ECOMAIL_KEY
from ..sandbox_fixtures import start_sandbox_fixture

start_sandbox = start_sandbox_fixture(EcomailSandbox, SandboxConfig, api_key=ECOMAIL_KEY)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """`redis://127.0.0.1:<port>/0` of a redis-server started for the test."""
    server = shutil.which("redis-server")
    assert server, "redis-server is required (./scripts/test.sh installs Debian's redis-server)"
    port = _free_port()
    process = subprocess.Popen(
        [
            server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)
