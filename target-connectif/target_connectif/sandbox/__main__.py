"""Command line: ``python -m target_connectif.sandbox --port 8767 --api-key K ...``.

Prints ``Connectif sandbox listening on http://127.0.0.1:PORT`` and serves until SIGTERM/SIGINT.
The api key is never printed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from api_target_kit.sandbox.cli import add_common_arguments, common_config_kwargs, serve

from .app import ConnectifSandbox
from .config import SandboxConfig


def _parser() -> argparse.ArgumentParser:
    defaults = SandboxConfig()
    parser = argparse.ArgumentParser(prog="python -m target_connectif.sandbox", description=__doc__)
    add_common_arguments(parser, defaults, port=8767)
    parser.add_argument("--import-seconds", type=float, default=defaults.import_seconds)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the sandbox until SIGTERM or SIGINT; return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        config = SandboxConfig(**common_config_kwargs(args), import_seconds=args.import_seconds)
    except (ValueError, TypeError) as exc:
        parser.error(str(exc))
    return serve(ConnectifSandbox(config), args.port, args.port_file, "Connectif")


if __name__ == "__main__":
    sys.exit(main())
