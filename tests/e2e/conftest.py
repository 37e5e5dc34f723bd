"""Session fixtures of the tap-postgres tests: a private PostgreSQL server and the Meltano project."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from .postgres_server import PostgresServer, find_bin_dir, start_server
from .shop_db import SCHEMA
from .shop_pipelines import ROOT, write_project

MELTANO = ROOT / ".venv-meltano" / "bin" / "meltano"


def meltano(*args: str, project: Path, env: dict[str, str], succeed: bool = True) -> subprocess.CompletedProcess[str]:
    """Run `meltano <args>` in `project`; unless `succeed` is false, assert it succeeded."""
    assert MELTANO.exists(), "run ./scripts/test.sh (it installs Meltano into .venv-meltano)"
    env = {**env, "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false"}
    done = subprocess.run(
        [str(MELTANO), *args], cwd=project, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    if succeed:
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-6000:]
    return done


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL cluster on 127.0.0.1 holding the `shop` database; stopped after the session.

    Without PostgreSQL installed the tests are skipped, except in CI (`CI=true`), where that fails.
    """
    bin_dir = find_bin_dir()
    if bin_dir is None:
        message = "PostgreSQL is not installed (./scripts/test.sh installs Debian's postgresql package)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    server = start_server(bin_dir)
    try:
        server.psql(SCHEMA)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def shop_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Meltano project with tap-postgres and the three loaders, installed once (`meltano install`)."""
    directory = tmp_path_factory.mktemp("shop-meltano")
    write_project(directory)
    meltano("install", project=directory, env=dict(os.environ))
    return directory
