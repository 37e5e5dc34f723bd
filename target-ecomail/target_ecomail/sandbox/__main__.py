"""Command line: ``target-ecomail-sandbox --port PORT --api-key K ...`` (or ``python -m target_ecomail.sandbox``).

Prints ``Ecomail sandbox listening on http://127.0.0.1:PORT`` and serves until SIGTERM/SIGINT.
The api key is never printed. ``--lists`` takes the list definitions as JSON
(``{"1": {"shop": {"type": "string", "name": "Shop"}}}``), ``--pipelines`` comma-separated ids.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from api_target_kit.sandbox.cli import SandboxCommand

from .app import EcomailSandbox
from .config import SandboxConfig


def _flags(parser: argparse.ArgumentParser, defaults: SandboxConfig) -> None:
    parser.add_argument("--lists", default=json.dumps(defaults.lists), help="list id -> custom-field definitions")
    parser.add_argument("--pipelines", default=",".join(defaults.pipelines), help="automation ids, comma-separated")


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    pipelines = [p.strip() for p in args.pipelines.split(",") if p.strip()]
    return {"lists": json.loads(args.lists), "pipelines": pipelines}


COMMAND = SandboxCommand(
    prog="target-ecomail-sandbox",
    description=__doc__,
    port=8766,
    banner_name="Ecomail",
    config_type=SandboxConfig,
    app_type=EcomailSandbox,
    add_arguments=_flags,
    config_kwargs=_settings,
)
main = COMMAND.main


if __name__ == "__main__":
    sys.exit(main())
