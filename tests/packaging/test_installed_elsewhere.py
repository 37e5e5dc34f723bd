"""The built wheels in a Meltano project outside the repository: install, sandbox, pipeline, records arrive.

One project in a temporary folder holds the three loaders, added with ``meltano add --from-ref``
from their Hub definitions (``hub/``), then given ``pip_url: target-x --find-links <dist>``; one
``meltano install`` installs them. Each
loader's sandbox is started from the console script its package installed, and a tiny extractor
(a script printing a Singer file) feeds a ``meltano run`` into it. Nothing from the repository's
source tree is importable there: cwd is the project, PYTHONPATH is unset, and the loaders' own
venvs are checked to import the kit and the target from the project's ``.meltano``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import ROOT

KEY = "pkg-test-key"


@dataclass(frozen=True)
class Case:
    """A loader, the stream fed to it, its sandbox's flags and the settings the run needs."""

    loader: str
    stream: str
    key: str
    email_field: str
    extra_fields: dict[str, Any]
    sandbox_flags: tuple[str, ...]
    config: dict[str, Any]

    @property
    def module(self) -> str:
        return self.loader.replace("-", "_")

    def emails(self) -> list[str]:
        return [f"pkg-{self.stream}-{n}@example.com" for n in range(3)]

    def singer_lines(self) -> list[str]:
        properties = {name: {"type": ["string", "null"]} for name in [self.email_field, *self.extra_fields]}
        schema = {
            "type": "SCHEMA",
            "stream": self.stream,
            "key_properties": [self.key],
            "schema": {"properties": properties},
        }
        records = [
            {"type": "RECORD", "stream": self.stream, "record": {self.email_field: email, **self.extra_fields}}
            for email in self.emails()
        ]
        return [json.dumps(message) for message in [schema, *records]]


CASES = [
    Case(
        "target-rfmcube",
        "customers",
        "email",
        "email",
        {"createdAt": "2024-01-02T10:00:00Z", "updatedAt": "2024-01-02T10:00:00Z"},
        ("--process-seconds", "0.1"),
        {"poll_interval_seconds": 0.1},
    ),
    Case("target-ecomail", "subscribers", "email", "email", {"name": "Pat"}, (), {"list_id": "1"}),
    Case("target-connectif", "contacts", "_email", "_email", {"_name": "Pat"}, (), {}),
]


def _clean_env(project: Path) -> dict[str, str]:
    """The environment without anything pointing into the repository or at its virtual environments."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PYTHON", "VIRTUAL_ENV", "MELTANO_", "TARGET_", "PYTEST"))
    }
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if not p.startswith(str(ROOT)))
    env["MELTANO_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    env["HOME"] = str(project / "home")  # the loaders' default quota file and caches stay in the project
    return env


def _write_project(project: Path) -> None:
    """A project with one tiny extractor per case and no loader yet."""
    extractors = []
    for case in CASES:
        singer_file = project / f"{case.stream}.singer"
        singer_file.write_text("\n".join(case.singer_lines()) + "\n")
        script = project / f"emit-{case.stream}.sh"
        script.write_text(
            f"#!/bin/sh\n# A tap in one line: prints its Singer messages, whatever it is given.\ncat '{singer_file}'\n"
        )
        script.chmod(0o755)
        extractors.append({"name": f"tap-{case.stream}", "namespace": f"tap_{case.stream}", "executable": str(script)})
    meltano_yml = {
        "project_id": str(uuid.uuid4()),
        "send_anonymous_usage_stats": False,
        "default_environment": "dev",
        "environments": [{"name": "dev"}],
        "plugins": {"extractors": extractors},
    }
    (project / "meltano.yml").write_text(yaml.safe_dump(meltano_yml, sort_keys=False))


def _install_from_wheels(project: Path, dist: Path) -> None:
    """Point each loader Meltano added from its Hub definition at the wheels, and give it its settings."""
    meltano_yml = yaml.safe_load((project / "meltano.yml").read_text())
    for loader in meltano_yml["plugins"]["loaders"]:
        (case,) = [case for case in CASES if case.loader == loader["name"]]
        loader["pip_url"] = f"{case.loader} --find-links {dist}"
        loader["config"] = {
            "quota_backend_url": "none",
            "summary_path": str(project / f"{case.loader}-summary.json"),
            **case.config,
        }
    (project / "meltano.yml").write_text(yaml.safe_dump(meltano_yml, sort_keys=False))


@contextmanager
def _sandbox(case: Case, project: Path, env: dict[str, str]) -> Iterator[int]:
    """Run ``target-x-sandbox`` from the loader's venv on a free port; yield the port."""
    script = project / ".meltano" / "loaders" / case.loader / "venv" / "bin" / f"{case.loader}-sandbox"
    port_file = project / f"{case.loader}.port"
    proc = subprocess.Popen(
        [str(script), "--port", "0", "--port-file", str(port_file), "--api-key", KEY, *case.sandbox_flags],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not port_file.exists():
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline, "the sandbox did not start"
            time.sleep(0.1)
        yield int(port_file.read_text())
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


def _meltano(project: Path, env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    meltano = ROOT / ".venv-meltano" / "bin" / "meltano"
    assert meltano.exists(), "run python3 scripts/setup_env.py --meltano"
    return subprocess.run(
        [str(meltano), *args], cwd=project, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="module")
def project(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Meltano project outside the repository: the three loaders added from hub/, installed from the wheels."""
    project = tmp_path_factory.mktemp("meltano-elsewhere")
    assert not project.resolve().is_relative_to(ROOT)
    (project / "home").mkdir()
    _write_project(project)
    env = _clean_env(project)
    for case in CASES:
        hub_file = ROOT / case.loader / "hub" / f"{case.loader}.yml"
        done = _meltano(
            project, env, "add", "--plugin-type", "loader", case.loader, "--from-ref", str(hub_file), "--no-install"
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    _install_from_wheels(project, dist)
    done = _meltano(project, env, "install", timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return project


@pytest.mark.parametrize("case", CASES, ids=[case.loader for case in CASES])
def test_loader_installed_from_wheel_delivers_into_its_packaged_sandbox(case: Case, project: Path) -> None:
    env = _clean_env(project)
    venv = project / ".meltano" / "loaders" / case.loader / "venv"
    where = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            f"import api_target_kit, {case.module}; print(api_target_kit.__file__); print({case.module}.__file__)",
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    for path in where.stdout.split():
        assert Path(path).resolve().is_relative_to(venv.resolve()), path
    with _sandbox(case, project, env) as port:
        url = f"http://127.0.0.1:{port}" + ("/v1" if case.loader == "target-rfmcube" else "")
        settings = {f"{case.module.upper()}_API_KEY": KEY, f"{case.module.upper()}_API_URL": url}
        done = _meltano(project, {**env, **settings}, "run", f"tap-{case.stream}", case.loader)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_sandbox/data", timeout=10) as response:
            held = response.read().decode()
    for email in case.emails():
        assert email in held, f"{email} did not arrive"
    summary = json.loads((project / f"{case.loader}-summary.json").read_text())
    assert summary["status"] == "succeeded"
    assert KEY not in (project / f"{case.loader}-summary.json").read_text()
