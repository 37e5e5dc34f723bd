"""Test helpers shared by the vendor sandbox tests: a start-sandbox fixture factory and the CLI run."""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import pytest

from api_target_kit.sandbox import SandboxApp

AppT = TypeVar("AppT", bound=SandboxApp[Any])


def start_sandbox_fixture(
    app_type: Callable[[Any], AppT],
    config_type: Callable[..., Any],
    *,
    scope: Literal["function", "module"] = "function",
    **defaults: Any,
) -> Callable[..., Any]:
    """Return a fixture yielding ``start(**settings)``: a sandbox on a free port, stopped afterwards.

    ``settings`` are config fields; those not given come from ``defaults``. The sandboxes live
    as long as the fixture's ``scope``.
    """

    @pytest.fixture(scope=scope)
    def start_sandbox() -> Iterator[Callable[..., AppT]]:
        started: list[AppT] = []

        def _start(**settings: Any) -> AppT:
            sandbox = app_type(config_type(**{**defaults, **settings}))
            sandbox.start(port=0)
            started.append(sandbox)
            return sandbox

        yield _start
        for sandbox in started:
            sandbox.stop()

    return start_sandbox


@dataclass
class CliRun:
    """A sandbox command line running on a free port: its banner line, then what it printed on exit."""

    banner: str
    port: int
    out: str = ""
    err: str = ""

    @property
    def url(self) -> str:
        """Return ``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def output(self) -> str:
        """Return everything the command printed."""
        return self.banner + self.out + self.err


@contextmanager
def run_sandbox_cli(module: str, tmp_path: Path, *args: str) -> Iterator[CliRun]:
    """Run ``python -m <module> --port 0 --port-file ... <args>``; stop it with SIGTERM on exit.

    Yields once the banner is printed; afterwards the command must have exited with 0.
    """
    package = importlib.import_module(module.split(".", maxsplit=1)[0])
    root = str(Path(str(package.__file__)).resolve().parents[1])
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]),
        "PYTHONUNBUFFERED": "1",
    }
    port_file = tmp_path / "port"
    proc = subprocess.Popen(
        [sys.executable, "-m", module, "--port", "0", "--port-file", str(port_file), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        banner = proc.stdout.readline().strip()
        run = CliRun(banner, int(port_file.read_text()))
        yield run
        proc.send_signal(signal.SIGTERM)
        run.out, run.err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, run.err
