"""Local emulator ("sandbox") of the Rfmcube push API, standard library only.

Usage::

    sb = RfmcubeSandbox(SandboxConfig(api_key="k"))
    base_url = sb.start(port=0)  # "http://127.0.0.1:<port>/v1"
    ...
    sb.stop()
"""

from .app import RfmcubeSandbox
from .config import FaultConfig, SandboxConfig

__all__ = ["FaultConfig", "RfmcubeSandbox", "SandboxConfig"]
