"""Local emulator ("sandbox") of the Ecomail API v2, standard library only.

It implements the assumptions of vendors/ecomail.md (re-sent orders are duplicated, 422 for
over-long fields and non-contact events, items past 3,000 in bulk subscribe silently ignored...).

Usage::

    sb = EcomailSandbox(SandboxConfig(api_key="k"))
    base_url = sb.start(port=0)  # "http://127.0.0.1:<port>"
    ...
    sb.stop()
"""

from .app import EcomailSandbox
from .config import FaultConfig, SandboxConfig

__all__ = ["EcomailSandbox", "FaultConfig", "SandboxConfig"]
