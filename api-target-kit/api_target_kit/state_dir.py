"""Where the targets keep their files between runs when no path is configured: the user's state directory.

A ledger or an index in the working directory is lost whenever the run moves (a new machine, a
container, a CI runner, another `cd`), and a lost ledger is what makes an action be sent twice.
So by default each such file lives in `$XDG_STATE_HOME/api-target-kit/` (else
`~/.local/state/api-target-kit/`), in one folder per vendor account, named by the vendor and a
hash of the API key: the key itself never appears in a path or a log.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def default_state_dir() -> Path:
    """The per-user state directory (XDG)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "api-target-kit"


def account_key(vendor: str, api_key: str) -> str:
    """`<vendor>_<16 hex chars of sha256(key)>`: one name per account, without the key."""
    digest = hashlib.sha256(api_key.encode("utf-8")).hexdigest()[:16]
    return f"{vendor.lower()}_{digest}"


def account_file(vendor: str, api_key: str | None, name: str) -> str | None:
    """`<state dir>/<account key>/<name>`; None (keep it in memory) when there is no key (a dry run)."""
    if not api_key:
        return None
    return str(default_state_dir() / account_key(vendor, api_key) / name)
