"""Command line: ``python -m target_rfmcube.sandbox --port 8765 --api-key K ...``.

Prints ``Rfmcube sandbox listening on http://127.0.0.1:PORT/v1`` and serves until SIGTERM/SIGINT.
The api key is never printed.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Sequence
from types import FrameType

from .app import RfmcubeSandbox
from .config import FaultConfig, SandboxConfig


def _parser() -> argparse.ArgumentParser:
    defaults = SandboxConfig()
    parser = argparse.ArgumentParser(prog="python -m target_rfmcube.sandbox", description=__doc__)
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0 = any free port)")
    parser.add_argument("--api-key", default=defaults.api_key, help="expected api-key header value")
    parser.add_argument("--rate-limit", type=int, default=defaults.rate_limit)
    parser.add_argument("--window-seconds", type=float, default=defaults.window_seconds)
    parser.add_argument("--process-seconds", type=float, default=defaults.process_seconds)
    parser.add_argument("--max-request-bytes", type=int, default=defaults.max_request_bytes)
    parser.add_argument("--connector-type", default=defaults.connector_type)
    parser.add_argument(
        "--faults",
        default="{}",
        help="FaultConfig fields as JSON, e.g. '{\"rate_429\": 0.2}'",
    )
    parser.add_argument("--port-file", default=None, help="write the bound port to this file")
    return parser


def _write_port_file(path: str, port: int) -> None:
    """Write atomically so a reader never sees a partial file."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".port-")
    with os.fdopen(fd, "w") as handle:
        handle.write(f"{port}\n")
    os.replace(tmp, path)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the sandbox until SIGTERM or SIGINT; return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        faults = FaultConfig.from_dict(json.loads(args.faults))
        config = SandboxConfig(
            api_key=args.api_key,
            rate_limit=args.rate_limit,
            window_seconds=args.window_seconds,
            process_seconds=args.process_seconds,
            max_request_bytes=args.max_request_bytes,
            connector_type=args.connector_type,
            faults=faults,
        )
    except (ValueError, TypeError) as exc:
        parser.error(str(exc))
    stop = threading.Event()

    def _on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    sandbox = RfmcubeSandbox(config)
    base_url = sandbox.start(port=args.port)
    try:
        if args.port_file:
            _write_port_file(args.port_file, sandbox.port)
        print(f"Rfmcube sandbox listening on {base_url}", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
