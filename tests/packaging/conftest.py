"""Fixtures: the wheels and sdists of scripts/build.sh, built once per session into a temporary folder."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["api-target-kit", "target-rfmcube", "target-ecomail", "target-connectif"]


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder ``./scripts/build.sh <folder>`` wrote the four packages' wheels and sdists into."""
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [str(ROOT / "scripts" / "build.sh"), str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out
