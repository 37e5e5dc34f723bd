"""Command line: ``python -m target_rfmcube.sandbox --port 8765 --api-key K ...``.

Prints ``Rfmcube sandbox listening on http://127.0.0.1:PORT/v1`` and serves until SIGTERM/SIGINT.
The api key is never printed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from api_target_kit.sandbox.cli import add_common_arguments, common_config_kwargs, serve

from .app import RfmcubeSandbox
from .config import SandboxConfig


def _parser() -> argparse.ArgumentParser:
    defaults = SandboxConfig()
    parser = argparse.ArgumentParser(prog="python -m target_rfmcube.sandbox", description=__doc__)
    add_common_arguments(parser, defaults, port=8765)
    parser.add_argument("--process-seconds", type=float, default=defaults.process_seconds)
    parser.add_argument("--connector-type", default=defaults.connector_type)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the sandbox until SIGTERM or SIGINT; return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        config = SandboxConfig(
            **common_config_kwargs(args),
            process_seconds=args.process_seconds,
            connector_type=args.connector_type,
        )
    except (ValueError, TypeError) as exc:
        parser.error(str(exc))
    return serve(RfmcubeSandbox(config), args.port, args.port_file, "Rfmcube")


if __name__ == "__main__":
    sys.exit(main())
