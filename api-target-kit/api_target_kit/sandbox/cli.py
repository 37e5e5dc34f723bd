"""Helpers for a vendor's ``python -m <vendor>.sandbox`` command line.

A vendor's ``__main__`` builds an ``argparse`` parser, calls :func:`add_common_arguments`, adds
its own flags, builds its config from :func:`common_config_kwargs` plus those flags (calling
``parser.error`` on ``ValueError``/``TypeError``) and hands the app to :func:`serve`.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import tempfile
import threading
from types import FrameType
from typing import Any

from .app import SandboxApp
from .fault_config import BaseSandboxConfig, FaultConfig


def add_common_arguments(parser: argparse.ArgumentParser, defaults: BaseSandboxConfig, *, port: int) -> None:
    """Add the flags every sandbox has to ``parser``.

    They are ``--port`` (default ``port``), ``--api-key``, ``--rate-limit``, ``--window-seconds``,
    ``--max-request-bytes``, ``--faults`` (FaultConfig fields as JSON) and ``--port-file``.
    Defaults other than the port come from ``defaults`` (the vendor config built without
    arguments).
    """
    parser.add_argument("--port", type=int, default=port, help="port on 127.0.0.1 (0 = any free port)")
    parser.add_argument("--api-key", default=defaults.api_key, help="expected API key")
    parser.add_argument("--rate-limit", type=int, default=defaults.rate_limit)
    parser.add_argument("--window-seconds", type=float, default=defaults.window_seconds)
    parser.add_argument("--max-request-bytes", type=int, default=defaults.max_request_bytes)
    parser.add_argument(
        "--faults",
        default="{}",
        help="FaultConfig fields as JSON, e.g. '{\"rate_429\": 0.2}'",
    )
    parser.add_argument("--port-file", default=None, help="write the bound port to this file")


def faults_from_args(args: argparse.Namespace) -> FaultConfig:
    """Parse ``--faults``; bad JSON or settings raise ``ValueError`` or ``TypeError``."""
    return FaultConfig.from_dict(json.loads(args.faults))


def common_config_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """Return the :class:`BaseSandboxConfig` fields from the common flags, as keyword arguments.

    Raises ``ValueError`` or ``TypeError`` when ``--faults`` is invalid.
    """
    return {
        "api_key": args.api_key,
        "rate_limit": args.rate_limit,
        "window_seconds": args.window_seconds,
        "max_request_bytes": args.max_request_bytes,
        "faults": faults_from_args(args),
    }


def write_port_file(path: str, port: int) -> None:
    """Write ``port`` atomically so a reader never sees a partial file."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".port-")
    with os.fdopen(fd, "w") as handle:
        handle.write(f"{port}\n")
    os.replace(tmp, path)


def serve(app: SandboxApp[Any], port: int, port_file: str | None, banner_name: str) -> int:
    """Serve ``app`` until SIGTERM or SIGINT and return the exit code (0).

    Call from the main thread (signal handlers); the previous handlers are restored on return.
    Writes the bound port to ``port_file`` (if given) and prints
    ``<banner_name> sandbox listening on <base_url>``; the API key is never printed.
    """
    stop = threading.Event()

    def _on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {signum: signal.signal(signum, _on_signal) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        base_url = app.start(port=port)
        try:
            if port_file:
                write_port_file(port_file, app.port)
            print(f"{banner_name} sandbox listening on {base_url}", flush=True)
            while not stop.wait(0.5):
                pass
        finally:
            app.stop()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
    return 0
