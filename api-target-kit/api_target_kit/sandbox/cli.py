"""Helpers for a vendor's ``python -m <vendor>.sandbox`` command line.

A vendor's ``__main__`` describes its command as a :class:`SandboxCommand` (program name, default
port, banner, config and app classes, its own flags) and calls :meth:`SandboxCommand.main`: that
builds an ``argparse`` parser with :func:`add_common_arguments` and the vendor's flags, builds the
config from :func:`common_config_kwargs` plus the vendor's keyword arguments (``parser.error`` on
``ValueError``/``TypeError``) and hands the app to :func:`serve`.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import FrameType
from typing import Any, Generic

from .app import SandboxApp
from .core import ConfigT
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


def _no_arguments(_parser: argparse.ArgumentParser, _defaults: Any) -> None:
    """Add no vendor flag."""


def _no_kwargs(_args: argparse.Namespace) -> Mapping[str, Any]:
    """Add no vendor setting."""
    return {}


@dataclass(frozen=True)
class SandboxCommand(Generic[ConfigT]):
    """A vendor's ``python -m <vendor>.sandbox``: the common flags, the vendor's own, then :func:`serve`.

    ``add_arguments(parser, defaults)`` adds the vendor's flags after the common ones (``defaults``
    is ``config_type()``); ``config_kwargs(args)`` turns them into config fields (it may raise
    ``ValueError`` or ``TypeError``, reported through ``parser.error`` like a bad ``--faults``).
    """

    prog: str
    description: str | None
    port: int
    banner_name: str
    config_type: Callable[..., ConfigT]
    app_type: Callable[[ConfigT], SandboxApp[ConfigT]]
    add_arguments: Callable[[argparse.ArgumentParser, ConfigT], None] = _no_arguments
    config_kwargs: Callable[[argparse.Namespace], Mapping[str, Any]] = _no_kwargs

    def parser(self) -> argparse.ArgumentParser:
        """Return the parser: the common flags (default port :attr:`port`), then the vendor's."""
        defaults = self.config_type()
        parser = argparse.ArgumentParser(prog=self.prog, description=self.description)
        add_common_arguments(parser, defaults, port=self.port)
        self.add_arguments(parser, defaults)
        return parser

    def main(self, argv: Sequence[str] | None = None) -> int:
        """Parse ``argv``, build the config and serve until SIGTERM or SIGINT; return the exit code."""
        parser = self.parser()
        args = parser.parse_args(argv)
        try:
            config = self.config_type(**common_config_kwargs(args), **self.config_kwargs(args))
        except (ValueError, TypeError) as exc:
            parser.error(str(exc))
        return serve(self.app_type(config), args.port, args.port_file, self.banner_name)
