"""Configuration of the Rfmcube sandbox: the kit's server settings plus import processes and connector."""

from __future__ import annotations

from dataclasses import dataclass

from api_target_kit.sandbox import BaseSandboxConfig, FaultConfig, is_number

__all__ = ["FaultConfig", "SandboxConfig"]


@dataclass
class SandboxConfig(BaseSandboxConfig):
    """Server settings: the kit's plus import processes and the connector type.

    ``process_seconds`` is how long an import process takes; a ``connector_type`` other than
    ``"api"`` makes every authenticated request fail with 406.
    """

    process_seconds: float = 0.5
    connector_type: str = "api"

    def __post_init__(self) -> None:
        """Validate the settings; raise ``ValueError`` or ``TypeError`` when one is invalid."""
        super().__post_init__()
        if not is_number(self.process_seconds) or self.process_seconds < 0:
            raise ValueError("process_seconds must be a non-negative number")
        if not isinstance(self.connector_type, str):
            raise TypeError("connector_type must be a string")
