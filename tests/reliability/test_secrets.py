"""Nothing leaked: no output of any run holds the API key (nor, for Connectif, its secret half).

Every target runs with DEBUG logging (`LOGLEVEL=DEBUG`, and the `requests` and `urllib3`
loggers at DEBUG through the SDK's `SINGER_SDK_LOG_CONFIG` file) against its sandbox, through a
successful run, a run with rejects, a dry run, a 401 (wrong key), a 5xx storm until the retries
run out, and exception paths (input that is not JSON, a disk that is full, a key of the wrong
type in the config). Then everything the run produced is searched: stdout, stderr, and every
file of its work directory (summary, rejects, dry-run file, ledgers, quota store) but the
config file the test wrote.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from api_target_kit.sandbox import FaultConfig, SandboxApp

from ..target_harness import TargetRun
from .corpus_cases import encode_input, feed
from .vendors import VENDOR_NAMES, VENDORS, Vendor

LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "loggers": {"requests": {"level": "DEBUG"}, "urllib3": {"level": "DEBUG"}},
}


def debug_env(tmp_path: Path) -> dict[str, str]:
    """DEBUG everywhere: the SDK's `LOGLEVEL`, and `requests`/`urllib3` through a log config (YAML; JSON is YAML)."""
    config = tmp_path / "logging.yaml"
    config.write_text(json.dumps(LOG_CONFIG))
    return {"LOGLEVEL": "DEBUG", "SINGER_SDK_LOG_CONFIG": str(config)}


def people(vendor: Vendor, *, bad: int = 0) -> bytes:
    """Two valid persons and `bad` with an e-mail that is not one."""
    records = [vendor.person.record(f"secret-{n}") for n in range(2)]
    records += [vendor.person.record(f"bad-{n}", **{vendor.person.key: f"bad {n}"}) for n in range(bad)]
    return encode_input(feed(vendor.person.name, records, vendor.person.key))


def wrong_key(vendor: Vendor) -> str:
    """A key of the vendor's shape that the sandbox does not know."""
    head, colon, secret = vendor.api_key.rpartition(":")
    return f"{head}{colon}{secret[:-8]}Zq81Xw3v" if colon else f"{vendor.api_key[:-8]}Zq81Xw3v"


Sandbox = SandboxApp[Any]
#: A scenario's run, and the secrets none of its outputs may hold.
Result = tuple[TargetRun, tuple[str, ...]]
Scenario = Callable[[Vendor, Sandbox, Path, dict[str, str]], Result]


def success(vendor: Vendor, sandbox: Sandbox, work: Path, env: dict[str, str]) -> Result:
    run = vendor.run(work, sandbox.base_url, people(vendor), env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "urllib3.connectionpool" in run.stderr  # the HTTP client's DEBUG lines are on
    assert sandbox.request_log()
    return run, vendor.secrets


def with_rejects(vendor: Vendor, sandbox: Sandbox, work: Path, env: dict[str, str]) -> Result:
    run = vendor.run(work, sandbox.base_url, people(vendor, bad=2), env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    assert len(run.rejects) == 2
    return run, vendor.secrets


def dry_run(vendor: Vendor, sandbox: Sandbox, work: Path, env: dict[str, str]) -> Result:
    run = vendor.run(work, sandbox.base_url, people(vendor, bad=1), env=env, dry_run=True)
    assert run.returncode == 0, run.stderr[-2000:]
    assert (work / "dry-run.jsonl").read_text()
    assert sandbox.request_log() == []
    return run, vendor.secrets


def unauthorized(vendor: Vendor, sandbox: Sandbox, work: Path, env: dict[str, str]) -> Result:
    key = wrong_key(vendor)
    run = vendor.run(work, sandbox.base_url, people(vendor), env=env, api_key=key)
    assert run.returncode == 1
    assert "HTTP 401" in run.stderr and "check api_key" in run.stderr
    return run, (*vendor.secrets, key, key.rpartition(":")[2])


def server_errors(vendor: Vendor, sandbox: Sandbox, work: Path, env: dict[str, str]) -> Result:
    sandbox.set_faults(FaultConfig(rate_5xx=1.0))
    run = vendor.run(work, sandbox.base_url, people(vendor), env=env, max_retries=2)
    assert run.returncode == 1
    assert "gave up after 3 attempts" in run.stderr
    assert len(sandbox.request_log()) >= 3
    return run, vendor.secrets


def invalid_input(vendor: Vendor, sandbox: Sandbox, work: Path, env: dict[str, str]) -> Result:
    run = vendor.run(work, sandbox.base_url, people(vendor) + b"{not json\n", env=env)
    assert run.returncode == 1
    assert "Input line 4 is not valid JSON" in run.stderr
    return run, vendor.secrets


def disk_full(vendor: Vendor, sandbox: Sandbox, work: Path, env: dict[str, str]) -> Result:
    run = vendor.run(work, sandbox.base_url, people(vendor, bad=1), env=env, rejects_path="/dev/full")
    assert run.returncode == 1
    assert "cannot write the rejects file '/dev/full' (No space left on device)" in run.stderr
    assert "resumes from its last STATE" in run.stderr
    assert "Traceback" not in run.stderr  # a message for the operator, not a stack
    return run, vendor.secrets


def key_of_wrong_type(vendor: Vendor, sandbox: Sandbox, work: Path, env: dict[str, str]) -> Result:
    number = 73918264503318
    run = vendor.run(work, sandbox.base_url, people(vendor), env=env, api_key=number)
    assert run.returncode != 0
    assert "config['api_key']" in run.stderr  # the SDK names the setting, not its value
    return run, (str(number),)


SCENARIOS: dict[str, Scenario] = {
    "success": success,
    "rejects": with_rejects,
    "dry_run": dry_run,
    "wrong_key_401": unauthorized,
    "5xx_until_retries_run_out": server_errors,
    "input_not_json": invalid_input,
    "disk_full": disk_full,
    "key_of_wrong_type": key_of_wrong_type,
}


def outputs(run: TargetRun, work: Path) -> dict[str, bytes]:
    """Everything a run produced: its stdout and stderr, and every file in its work directory but the config."""
    found = {"stdout": run.stdout.encode(), "stderr": run.stderr.encode()}
    for path in sorted(work.rglob("*")):
        if path.is_file() and path.name != "config.json":
            found[str(path.relative_to(work))] = path.read_bytes()
    return found


def forms(secret: str) -> set[bytes]:
    """How a secret could appear: as it is, percent-encoded (in a URL) or JSON-escaped."""
    return {secret.encode(), quote(secret, safe="").encode(), json.dumps(secret)[1:-1].encode()}


@pytest.mark.parametrize("vendor", VENDORS, ids=VENDOR_NAMES)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_no_output_holds_the_key(vendor: Vendor, scenario: str, tmp_path: Path) -> None:
    work = tmp_path / "run"
    with vendor.sandbox() as sandbox:
        run, secrets = SCENARIOS[scenario](vendor, sandbox, work, debug_env(tmp_path))
    produced = outputs(run, work)
    assert "stderr" in produced and len(produced["stderr"]) > 1000  # DEBUG logging wrote plenty
    for secret in secrets:
        assert len(secret) >= 8
        for name, content in produced.items():
            for form in forms(secret):
                assert form not in content, f"{scenario}: the key appears in {name}"


def test_the_key_would_be_found_if_it_leaked(tmp_path: Path) -> None:
    """The search itself: a key written to any output is found."""
    vendor = VENDORS[2]
    (tmp_path / "notes.txt").write_text(f"Authorization: apiKey {quote(vendor.api_key, safe='')}")
    produced = outputs(TargetRun(0, "", ""), tmp_path)
    assert any(form in produced["notes.txt"] for form in forms(vendor.api_key))
