"""The :class:`SandboxApp` base: start/stop a sandbox server and inspect or steer its state."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from types import TracebackType
from typing import Any, ClassVar, Generic, Self

from .core import ConfigT, SandboxCore
from .fault_config import FaultConfig
from .http_server import SandboxHTTPServer

HOST = "127.0.0.1"


class SandboxApp(ABC, Generic[ConfigT]):
    """A local emulator of a vendor API, served on ``127.0.0.1`` in a daemon thread.

    A vendor subclass sets :attr:`thread_name` and implements :meth:`make_core`; the API prefix
    comes from the core (:attr:`SandboxCore.api_prefix`).
    """

    thread_name: ClassVar[str] = "sandbox"
    """Name of the serving thread (shows in thread dumps)."""

    def __init__(self, config: ConfigT) -> None:
        """Create the sandbox for ``config`` (not started yet)."""
        self.config = config
        self.core = self.make_core(config)
        self._server: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @abstractmethod
    def make_core(self, config: ConfigT) -> SandboxCore[ConfigT]:
        """Create the vendor's core for ``config``."""

    @property
    def api_prefix(self) -> str:
        """Return the API path prefix (``"/v1"``, or ``""``)."""
        return self.core.api_prefix

    @property
    def port(self) -> int:
        """Return the bound port; ``RuntimeError`` when not started."""
        if self._server is None:
            raise RuntimeError("sandbox is not running")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """Return ``http://127.0.0.1:<port><api_prefix>``."""
        return f"http://{HOST}:{self.port}{self.api_prefix}"

    @property
    def admin_url(self) -> str:
        """Return ``http://127.0.0.1:<port>/_sandbox``."""
        return f"http://{HOST}:{self.port}/_sandbox"

    def start(self, port: int = 0) -> str:
        """Bind (``port=0`` picks a free one), serve in a daemon thread, return the base URL."""
        if self._server is not None:
            raise RuntimeError("sandbox is already running")
        self.core.resume_stalls()
        server = SandboxHTTPServer((HOST, port), self.core)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=self.thread_name,
            daemon=True,
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving, wake stalled requests and close every connection; safe to call twice."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self.core.interrupt_stalls()
        server.shutdown()
        server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        """Start on a free port if not running yet."""
        if self._server is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop."""
        self.stop()

    def set_faults(self, faults: FaultConfig) -> None:
        """Replace the fault config (same as ``POST /_sandbox/faults``)."""
        self.core.set_faults(faults)

    def faults(self) -> FaultConfig:
        """Return the fault config in force, with what is left of ``fail_next`` and ``*_imports``."""
        return self.core.current_faults()

    def snapshot(self) -> dict[str, Any]:
        """Return the stored data, as ``GET /_sandbox/data`` does."""
        return self.core.snapshot()

    def summary(self) -> dict[str, Any]:
        """Return the counts, as ``GET /_sandbox/summary`` does."""
        return self.core.summary()

    def request_log(self) -> list[dict[str, Any]]:
        """Return the API request log, as ``GET /_sandbox/requests`` does."""
        return self.core.request_log()

    def reset(self) -> None:
        """Clear data, the request log and the rate window, as ``POST /_sandbox/reset`` does."""
        self.core.reset()
