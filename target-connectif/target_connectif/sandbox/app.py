"""The public :class:`ConnectifSandbox`: the kit's :class:`SandboxApp` serving :class:`ConnectifCore`."""

from __future__ import annotations

from api_target_kit.sandbox import SandboxApp

from .config import SandboxConfig
from .core import ConnectifCore


class ConnectifSandbox(SandboxApp[SandboxConfig]):
    """A local emulator of the Connectif REST API under ``http://127.0.0.1:<port>`` (no path prefix)."""

    thread_name = "connectif-sandbox"

    def __init__(self, config: SandboxConfig | None = None) -> None:
        """Create the sandbox (not started yet); default settings when ``config`` is ``None``."""
        super().__init__(config if config is not None else SandboxConfig())

    def make_core(self, config: SandboxConfig) -> ConnectifCore:
        """Create the Connectif core."""
        return ConnectifCore(config)
