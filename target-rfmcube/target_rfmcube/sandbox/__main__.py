"""Command line: ``target-rfmcube-sandbox --port PORT --api-key K ...`` (or ``python -m target_rfmcube.sandbox``).

Prints ``Rfmcube sandbox listening on http://127.0.0.1:PORT/v1`` and serves until SIGTERM/SIGINT.
The api key is never printed.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from api_target_kit.sandbox.cli import SandboxCommand

from .app import RfmcubeSandbox
from .config import SandboxConfig


def _flags(parser: argparse.ArgumentParser, defaults: SandboxConfig) -> None:
    parser.add_argument("--process-seconds", type=float, default=defaults.process_seconds)
    parser.add_argument("--connector-type", default=defaults.connector_type)


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    return {"process_seconds": args.process_seconds, "connector_type": args.connector_type}


COMMAND = SandboxCommand(
    prog="target-rfmcube-sandbox",
    description=__doc__,
    port=8765,
    banner_name="Rfmcube",
    config_type=SandboxConfig,
    app_type=RfmcubeSandbox,
    add_arguments=_flags,
    config_kwargs=_settings,
)
main = COMMAND.main


if __name__ == "__main__":
    sys.exit(main())
