"""Every test keeps the targets' default state files (ledgers, indexes, the quota) in a temporary folder.

A target with no `ledger_path` or `quota_backend_url` writes under `$XDG_STATE_HOME`; the tests set it
for themselves and for every target process they start, so no test writes into the machine's
real `~/.local/state`.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

_STATE_HOME = "XDG_STATE_HOME"
_FOLDER = pytest.StashKey[tuple[str, str | None]]()


def pytest_configure(config: pytest.Config) -> None:
    """Point `$XDG_STATE_HOME` at a fresh temporary folder for the whole session."""
    folder = tempfile.mkdtemp(prefix="api-target-kit-test-state-")
    config.stash[_FOLDER] = (folder, os.environ.get(_STATE_HOME))
    os.environ[_STATE_HOME] = folder


def pytest_unconfigure(config: pytest.Config) -> None:
    """Restore `$XDG_STATE_HOME` and remove the folder."""
    folder, before = config.stash.get(_FOLDER, (None, None))
    if folder is None:
        return
    if before is None:
        os.environ.pop(_STATE_HOME, None)
    else:
        os.environ[_STATE_HOME] = before
    shutil.rmtree(folder, ignore_errors=True)
