"""The demo: each vendor's sandbox on loopback, `meltano run` of the demo shop data into it.

Run through `scripts/demo.sh [rfmcube|ecomail|connectif ...]` (all three by default), which
installs what is needed first. For each vendor: start its sandbox, run one pipeline per
demo stream (tap-jsonl emits one stream per configuration), then print what the sandbox
received next to `demo/<vendor>/expected.json` and the run summaries. Exits non-zero when
anything is missing.
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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MELTANO = ROOT / ".venv-meltano" / "bin" / "meltano"

Figures = Callable[[dict[str, Any], dict[str, dict[str, Any]]], dict[str, int]]


@dataclass(frozen=True)
class VendorDemo:
    """How to demo one target: its sandbox, its pipelines and what must arrive."""

    vendor: str
    default_port: int
    api_prefix: str
    taps: tuple[str, ...]
    expected_path: Path
    received: Figures
    wanted: Callable[[dict[str, Any]], dict[str, int]]

    @property
    def target(self) -> str:
        """The loader's name."""
        return f"target-{self.vendor}"

    @property
    def port(self) -> int:
        """The sandbox port (the sandbox environment in meltano.yml uses the default)."""
        return int(os.environ.get(f"{self.vendor.upper()}_SANDBOX_PORT", str(self.default_port)))

    @property
    def sandbox_url(self) -> str:
        """Where the sandbox listens."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def out(self) -> Path:
        """Summaries and rejects of the demo runs."""
        return ROOT / "output" / self.vendor


def _deleted(summaries: dict[str, dict[str, Any]], stream: str) -> int:
    return sum(s["streams"].get(stream, {}).get("deleted", 0) for s in summaries.values())


DEMOS = {
    "rfmcube": VendorDemo(
        "rfmcube",
        8765,
        "/v1",
        ("tap-customers", "tap-orders"),
        ROOT / "demo" / "expected.json",
        lambda got, summaries: {
            "customers": got["customers"],
            "orders": got["orders"],
            "orphan_orders": got["orphan_orders"],
            "deleted_customers": _deleted(summaries, "customers"),
        },
        lambda expected: dict(expected["sandbox"]),
    ),
    "ecomail": VendorDemo(
        "ecomail",
        8766,
        "",
        tuple(f"tap-ecomail-{s}" for s in ("subscribers", "transactions", "events", "coupons", "automation-triggers")),
        ROOT / "demo" / "ecomail" / "expected.json",
        lambda got, summaries: {
            "subscribers_subscribed": got["subscribers_subscribed"],
            "subscribers_deleted": _deleted(summaries, "subscribers"),
            "transactions": got["transactions"],
            "duplicate_transactions": got["duplicate_transactions"],
            "events": got["events"],
            "coupons": got["coupons"],
            "automation_triggers": got["automation_runs"],
        },
        lambda expected: {**expected["sandbox"], "duplicate_transactions": 0},
    ),
    "connectif": VendorDemo(
        "connectif",
        8767,
        "",
        tuple(f"tap-connectif-{s}" for s in ("contacts", "products", "purchases", "coupons")),
        ROOT / "demo" / "connectif" / "expected.json",
        lambda got, summaries: {
            "contacts": got["contacts"],
            "deleted_contacts": got["deleted_contacts"],
            "products": got["products"],
            "products_out_of_stock": got["products_out_of_stock"],
            "purchases": got["purchases"],
            "duplicate_purchases": got["duplicate_purchases"],
            "coupons": got["coupons"],
        },
        lambda expected: {**expected["sandbox"], "duplicate_purchases": 0},
    ),
}


def _get(demo: VendorDemo, path: str) -> Any:
    with urllib.request.urlopen(f"{demo.sandbox_url}{path}", timeout=10) as response:  # noqa: S310 (loopback)
        return json.load(response)


def _wait_for_sandbox(demo: VendorDemo, process: subprocess.Popen[bytes]) -> None:
    for _ in range(100):
        if process.poll() is not None:
            raise SystemExit(f"the {demo.vendor} sandbox exited with {process.returncode}")
        try:
            _get(demo, "/_sandbox/summary")
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the {demo.vendor} sandbox did not start")


def _meltano(*args: str, env: dict[str, str]) -> None:
    print(f"$ meltano {' '.join(args)}", flush=True)
    subprocess.run([str(MELTANO), *args], check=True, cwd=ROOT, env=env)


def run_demo(demo: VendorDemo, env: dict[str, str]) -> int:
    """Start the vendor's sandbox, run its pipelines, check and print the result."""
    shutil.rmtree(demo.out, ignore_errors=True)
    demo.out.mkdir(parents=True)
    api_key = f"sandbox-{secrets.token_hex(4)}:{secrets.token_hex(8)}"
    plugin_python = ROOT / ".meltano" / "loaders" / demo.target / "venv" / "bin" / "python"
    sandbox = subprocess.Popen(
        [str(plugin_python), "-m", f"target_{demo.vendor}.sandbox", "--port", str(demo.port), "--api-key", api_key],
        cwd=ROOT,
    )
    prefix = f"TARGET_{demo.vendor.upper()}_"
    try:
        _wait_for_sandbox(demo, sandbox)
        for tap in demo.taps:
            stream = tap.split("-", 2)[-1]
            run_env = {
                **env,
                f"{prefix}API_KEY": api_key,
                f"{prefix}API_URL": f"{demo.sandbox_url}{demo.api_prefix}",
                f"{prefix}SUMMARY_PATH": str(demo.out / f"summary-{stream}.json"),
                f"{prefix}REJECTS_PATH": str(demo.out / f"rejects-{stream}.singer"),
            }
            _meltano("--environment=sandbox", "run", "--full-refresh", tap, demo.target, env=run_env)
        return _report(demo)
    finally:
        sandbox.send_signal(signal.SIGTERM)
        sandbox.wait(timeout=10)


def _report(demo: VendorDemo) -> int:
    expected = json.loads(demo.expected_path.read_text())
    received = _get(demo, "/_sandbox/summary")
    summaries = {p.stem: json.loads(p.read_text()) for p in sorted(demo.out.glob("summary-*.json"))}
    rejects_files = sorted(demo.out.glob("rejects-*.singer"))
    rejects = sum('"type":"RECORD"' in line for path in rejects_files for line in path.read_text().splitlines())
    got = {**demo.received(received, summaries), "rejects": rejects}
    want = {**demo.wanted(expected), "rejects": expected["rejects"]}
    print(f"\n=== What the {demo.vendor} sandbox received ===")
    print(f"{'':26} {'expected':>10} {'received':>10}")
    for name, value in want.items():
        mark = "ok" if got.get(name) == value else "MISSING"
        print(f"{name:26} {value:>10} {got.get(name, '-'):>10}  {mark}")
    print(f"API requests: {json.dumps(received['requests'])}")
    for name, summary in summaries.items():
        print(f"\n=== Run summary: {demo.vendor} {name} ===")
        shown = {k: v for k, v in summary.items() if k not in ("target", "error", "dry_run", "rejects_path")}
        print(json.dumps(shown, indent=2))
    for path in rejects_files:
        print(f"\nRejected records (replayable Singer file): {path.relative_to(ROOT)}")
    return 0 if all(got.get(k) == v for k, v in want.items()) else 1


def main(argv: list[str]) -> int:
    """Install plugins, then demo each vendor named (all by default)."""
    unknown = [name for name in argv if name not in DEMOS]
    if unknown:
        raise SystemExit(f"unknown vendor(s) {unknown}; choose from {sorted(DEMOS)}")
    env = {**os.environ, "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false"}
    _meltano("install", env=env)
    failed = [name for name in (argv or list(DEMOS)) if run_demo(DEMOS[name], env) != 0]
    if failed:
        print(f"\nDemo incomplete for: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
