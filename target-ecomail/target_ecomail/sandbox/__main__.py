"""Command line: ``python -m target_ecomail.sandbox --port 8766 --api-key K ...``.

Prints ``Ecomail sandbox listening on http://127.0.0.1:PORT`` and serves until SIGTERM/SIGINT.
The api key is never printed. ``--lists`` takes the list definitions as JSON
(``{"1": {"shop": {"type": "string", "name": "Shop"}}}``), ``--pipelines`` comma-separated ids.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from api_target_kit.sandbox.cli import add_common_arguments, common_config_kwargs, serve

from .app import EcomailSandbox
from .config import SandboxConfig


def _parser() -> argparse.ArgumentParser:
    defaults = SandboxConfig()
    parser = argparse.ArgumentParser(prog="python -m target_ecomail.sandbox", description=__doc__)
    add_common_arguments(parser, defaults, port=8766)
    parser.add_argument("--lists", default=json.dumps(defaults.lists), help="list id -> custom-field definitions")
    parser.add_argument("--pipelines", default=",".join(defaults.pipelines), help="automation ids, comma-separated")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the sandbox until SIGTERM or SIGINT; return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        config = SandboxConfig(
            **common_config_kwargs(args),
            lists=json.loads(args.lists),
            pipelines=[p.strip() for p in args.pipelines.split(",") if p.strip()],
        )
    except (ValueError, TypeError) as exc:
        parser.error(str(exc))
    return serve(EcomailSandbox(config), args.port, args.port_file, "Ecomail")


if __name__ == "__main__":
    sys.exit(main())
