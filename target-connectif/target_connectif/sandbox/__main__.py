"""Command line: ``target-connectif-sandbox --port PORT --api-key K ...`` (or ``python -m target_connectif.sandbox``).

Prints ``Connectif sandbox listening on http://127.0.0.1:PORT`` and serves until SIGTERM/SIGINT.
The api key is never printed.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from api_target_kit.sandbox.cli import SandboxCommand

from .app import ConnectifSandbox
from .config import SandboxConfig


def _flags(parser: argparse.ArgumentParser, defaults: SandboxConfig) -> None:
    parser.add_argument("--import-seconds", type=float, default=defaults.import_seconds)


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    return {"import_seconds": args.import_seconds}


COMMAND = SandboxCommand(
    prog="target-connectif-sandbox",
    description=__doc__,
    port=8767,
    banner_name="Connectif",
    config_type=SandboxConfig,
    app_type=ConnectifSandbox,
    add_arguments=_flags,
    config_kwargs=_settings,
)
main = COMMAND.main


if __name__ == "__main__":
    sys.exit(main())
