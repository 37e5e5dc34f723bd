"""The demo: the Rfmcube sandbox on loopback, `meltano run` of the demo shop data into it.

Run through `scripts/demo.sh`, which installs what is needed first. Prints what the
sandbox received, compares it with `demo/expected.json`, and prints the run summaries.
Exits non-zero when anything is missing.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "output" / "rfmcube"
#: The sandbox environment in meltano.yml points at this port; another one can be chosen
#: with RFMCUBE_SANDBOX_PORT (the demo then passes the URL to the loader).
PORT = int(os.environ.get("RFMCUBE_SANDBOX_PORT", "8765"))
SANDBOX = f"http://127.0.0.1:{PORT}"
MELTANO = ROOT / ".venv-meltano" / "bin" / "meltano"
PLUGIN_PYTHON = ROOT / ".meltano" / "loaders" / "target-rfmcube" / "venv" / "bin" / "python"


def _get(path: str) -> Any:
    with urllib.request.urlopen(f"{SANDBOX}{path}", timeout=10) as response:  # noqa: S310 (loopback)
        return json.load(response)


def _wait_for_sandbox(process: subprocess.Popen[bytes]) -> None:
    for _ in range(100):
        if process.poll() is not None:
            raise SystemExit(f"the sandbox exited with {process.returncode}")
        try:
            _get("/_sandbox/summary")
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the sandbox did not start")


def _meltano(*args: str, env: dict[str, str]) -> None:
    print(f"$ meltano {' '.join(args)}", flush=True)
    subprocess.run([str(MELTANO), *args], check=True, cwd=ROOT, env=env)


def main() -> int:
    """Install plugins, start the sandbox, run both pipelines, check and print the result."""
    env = {**os.environ, "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false"}
    _meltano("install", env=env)
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    api_key = f"sandbox-{secrets.token_hex(8)}"
    sandbox = subprocess.Popen(
        [str(PLUGIN_PYTHON), "-m", "target_rfmcube.sandbox", "--port", str(PORT), "--api-key", api_key],
        cwd=ROOT,
    )
    try:
        _wait_for_sandbox(sandbox)
        env["TARGET_RFMCUBE_API_KEY"] = api_key
        env["TARGET_RFMCUBE_API_URL"] = f"{SANDBOX}/v1"
        for tap in ("tap-customers", "tap-orders"):
            stream = tap.removeprefix("tap-")
            run_env = {
                **env,
                "TARGET_RFMCUBE_SUMMARY_PATH": str(OUT / f"summary-{stream}.json"),
                "TARGET_RFMCUBE_REJECTS_PATH": str(OUT / f"rejects-{stream}.singer"),
            }
            _meltano("--environment=sandbox", "run", "--full-refresh", tap, "target-rfmcube", env=run_env)
        return _report()
    finally:
        sandbox.send_signal(signal.SIGTERM)
        sandbox.wait(timeout=10)


def _report() -> int:
    expected = json.loads((ROOT / "demo" / "expected.json").read_text())
    received = _get("/_sandbox/summary")
    summaries = {p.stem: json.loads(p.read_text()) for p in sorted(OUT.glob("summary-*.json"))}
    rejects_files = sorted(OUT.glob("rejects-*.singer"))
    rejects = sum('"type":"RECORD"' in line for path in rejects_files for line in path.read_text().splitlines())
    deleted = sum(s["streams"].get("customers", {}).get("deleted", 0) for s in summaries.values())
    got = {
        "customers": received["customers"],
        "orders": received["orders"],
        "orphan_orders": received["orphan_orders"],
        "deleted_customers": deleted,
        "rejects": rejects,
    }
    want = {**expected["sandbox"], "rejects": expected["rejects"]}
    print("\n=== What the Rfmcube sandbox received ===")
    print(f"{'':20} {'expected':>10} {'received':>10}")
    for name, value in want.items():
        mark = "ok" if got[name] == value else "MISSING"
        print(f"{name:20} {value:>10} {got[name]:>10}  {mark}")
    print(f"API requests: {json.dumps(received['requests'])}")
    for name, summary in summaries.items():
        print(f"\n=== Run summary: {name} ===")
        print(json.dumps({"status": summary["status"], "streams": summary["streams"], "api": summary["api"]}, indent=2))
    for path in rejects_files:
        print(f"\nRejected records (replayable Singer file): {path.relative_to(ROOT)}")
    return 0 if got == want else 1


if __name__ == "__main__":
    sys.exit(main())
