"""The public :class:`RfmcubeSandbox`: the kit's :class:`SandboxApp` serving :class:`RfmcubeCore`."""

from __future__ import annotations

from api_target_kit.sandbox import SandboxApp

from .config import SandboxConfig
from .core import RfmcubeCore


class RfmcubeSandbox(SandboxApp[SandboxConfig]):
    """A local emulator of the Rfmcube push API under ``http://127.0.0.1:<port>/v1``."""

    thread_name = "rfmcube-sandbox"

    def __init__(self, config: SandboxConfig | None = None) -> None:
        """Create the sandbox (not started yet); default settings when ``config`` is ``None``."""
        super().__init__(config if config is not None else SandboxConfig())

    def make_core(self, config: SandboxConfig) -> RfmcubeCore:
        """Create the Rfmcube core."""
        return RfmcubeCore(config)
