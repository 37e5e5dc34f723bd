"""The public :class:`RfmcubeSandbox`: start/stop the server and inspect or steer its state."""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any, Self

from .config import FaultConfig, SandboxConfig
from .core import SandboxCore
from .server import SandboxHTTPServer

HOST = "127.0.0.1"


class RfmcubeSandbox:
    """A local emulator of the Rfmcube push API, served on ``127.0.0.1`` in a daemon thread."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        """Create the sandbox (not started yet)."""
        self.config = config if config is not None else SandboxConfig()
        self._core = SandboxCore(self.config)
        self._server: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """Return the bound port; ``RuntimeError`` when not started."""
        if self._server is None:
            raise RuntimeError("sandbox is not running")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """Return ``http://127.0.0.1:<port>/v1``."""
        return f"http://{HOST}:{self.port}/v1"

    @property
    def admin_url(self) -> str:
        """Return ``http://127.0.0.1:<port>/_sandbox``."""
        return f"http://{HOST}:{self.port}/_sandbox"

    def start(self, port: int = 0) -> str:
        """Bind (``port=0`` picks a free one), serve in a daemon thread, return the base URL."""
        if self._server is not None:
            raise RuntimeError("sandbox is already running")
        self._core.resume_stalls()
        server = SandboxHTTPServer((HOST, port), self._core)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="rfmcube-sandbox",
            daemon=True,
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving and close every connection; safe to call twice."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._core.interrupt_stalls()
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
        self._core.set_faults(faults)

    def faults(self) -> FaultConfig:
        """Return the fault config in force, with what is left of ``fail_next`` and ``fail_imports``."""
        return self._core.current_faults()

    def snapshot(self) -> dict[str, Any]:
        """Return the stored data, as ``GET /_sandbox/data`` does."""
        return self._core.snapshot()

    def summary(self) -> dict[str, Any]:
        """Return the counts, as ``GET /_sandbox/summary`` does."""
        return self._core.summary()

    def request_log(self) -> list[dict[str, Any]]:
        """Return the API request log, as ``GET /_sandbox/requests`` does."""
        return self._core.request_log()

    def reset(self) -> None:
        """Clear data, processes and the request log, as ``POST /_sandbox/reset`` does."""
        self._core.reset()
