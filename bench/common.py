"""Shared machinery of the benchmarks: vendors, input files, sandboxes, measured target runs.

Every target and every sandbox runs in its own process. A target's CPU time and peak RSS come
from `os.wait4` on that process alone (user + sys, `ru_maxrss`), so the benchmark process, the
sandbox and anything else on the machine are not counted in them.
"""

from __future__ import annotations

import compileall
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
WORK = BENCH / ".work"
PYTHON = sys.executable
DEMO = ROOT / "demo"

#: Date-time fields of the demo streams (a tap's schema would say so).
DATE_TIME_FIELDS = frozenset(
    {"createdAt", "updatedAt", "_sdc_deleted_at", "timestamp", "updated_at", "occurred_at", "_birthdate"}
)
#: Lifts a limit out of the way (sandbox rate limit, target budget) in CPU and memory runs.
UNLIMITED = 1_000_000


@dataclass(frozen=True)
class Entity:
    """One entity of one target: where its demo records are and how to make them unique."""

    vendor: str
    module: str
    api_key: str
    api_prefix: str
    stream: str
    key_field: str
    demo: str
    #: field -> format with `{n}` (the record number) and `{v}` (the demo value), to make records unique.
    unique: dict[str, str]
    drop: tuple[str, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)
    sandbox_args: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """`vendor/stream`."""
        return f"{self.vendor}/{self.stream}"

    @property
    def sandbox_module(self) -> str:
        """`target_<vendor>.sandbox`."""
        return f"{self.module}.sandbox"


RFMCUBE_CUSTOMERS = Entity(
    "rfmcube",
    "target_rfmcube",
    "bench-rfm-key",
    "/v1",
    "customers",
    "email",
    "customers",
    {"email": "b{n}.{v}", "id": "C{n:08d}"},
    sandbox_args=("--process-seconds", "0.5"),
)
ECOMAIL_SUBSCRIBERS = Entity(
    "ecomail",
    "target_ecomail",
    "bench-ecm-key",
    "",
    "subscribers",
    "email",
    "ecomail/subscribers",
    {"email": "b{n}.{v}"},
    settings={"list_id": "1"},
)
ECOMAIL_TRANSACTIONS = Entity(
    "ecomail",
    "target_ecomail",
    "bench-ecm-key",
    "",
    "transactions",
    "order_id",
    "ecomail/transactions",
    {"order_id": "B{n:08d}"},
    settings={"list_id": "1"},
)
CONNECTIF_CONTACTS = Entity(
    "connectif",
    "target_connectif",
    "bench-key-id:bench-key-secret",
    "",
    "contacts",
    "_email",
    "connectif/contacts",
    {"_email": "b{n}.{v}", "_externalId": "C{n:08d}"},
    # The demo drops `updated_at` with a stream map (Connectif has no such contact field).
    drop=("updated_at",),
    sandbox_args=("--import-seconds", "0.5"),
)
#: The main entity of each target (CPU and memory benchmarks).
MAIN_ENTITIES = (RFMCUBE_CUSTOMERS, ECOMAIL_SUBSCRIBERS, CONNECTIF_CONTACTS)


# Input ------------------------------------------------------------------------------------


def _demo_records(entity: Entity) -> list[dict[str, Any]]:
    with (DEMO / f"{entity.demo}.jsonl").open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return [{k: v for k, v in r.items() if k not in entity.drop} for r in rows if not r.get("_sdc_deleted_at")]


def schema_for(records: list[dict[str, Any]]) -> dict[str, Any]:
    """A Singer schema: observed JSON types (nullable), `date-time` for the date fields."""
    kinds: dict[str, set[str]] = {}
    for record in records:
        for key, value in record.items():
            kinds.setdefault(key, set()).add(_kind(value))
    properties: dict[str, Any] = {}
    for key, seen in kinds.items():
        if key in DATE_TIME_FIELDS:
            properties[key] = {"type": ["string", "null"], "format": "date-time"}
        else:
            properties[key] = {"type": sorted(seen | {"null"})}
    return {"type": "object", "properties": properties}


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "string" if value is not None else "null"


def _valid_for_target(entity: Entity, records: list[dict[str, Any]], schema: dict[str, Any]) -> list[dict[str, Any]]:
    """Drop the demo's deliberately bad records (the target's own rules decide), so nothing is rejected."""
    module = __import__(f"{entity.module}.entities", fromlist=["*"])
    rules = getattr(module, f"{entity.stream.rstrip('s').upper()}_RULES")
    from api_target_kit.validation import EntityValidator

    validator = EntityValidator(rules, schema)
    kept = []
    for record in records:
        validator.validate(dict(record))
        if validator._failure is None:
            kept.append(record)
    return kept


def input_file(entity: Entity, count: int, *, state_every: int = 10_000) -> Path:
    """A Singer file: SCHEMA, then `count` unique RECORDs cycled from the demo, a STATE every `state_every`.

    Cached under bench/.work (rebuilt when missing).
    """
    path = WORK / "input" / f"{entity.vendor}-{entity.stream}-{count}-state{state_every}.singer"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    base = _demo_records(entity)
    schema = schema_for(base)
    base = _valid_for_target(entity, base, schema)
    schema = schema_for(base)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as out:
        schema_message = {"type": "SCHEMA", "stream": entity.stream, "schema": schema}
        schema_message["key_properties"] = [entity.key_field]
        out.write(json.dumps(schema_message, separators=(",", ":")) + "\n")
        for n in range(count):
            record = dict(base[n % len(base)])
            for name, pattern in entity.unique.items():
                record[name] = pattern.format(n=n, v=record.get(name, ""))
            line = {"type": "RECORD", "stream": entity.stream, "record": record}
            out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
            if state_every and (n + 1) % state_every == 0:
                state = {"type": "STATE", "value": {"bookmarks": {entity.stream: {"position": n + 1}}}}
                out.write(json.dumps(state, separators=(",", ":")) + "\n")
    tmp.replace(path)
    return path


# Sandbox ----------------------------------------------------------------------------------


@dataclass
class Sandbox:
    """A sandbox process on a free loopback port."""

    process: subprocess.Popen[bytes]
    port: int
    prefix: str

    @property
    def api_url(self) -> str:
        """The target's `api_url`."""
        return f"http://127.0.0.1:{self.port}{self.prefix}"

    def admin(self, name: str, method: str = "GET") -> Any:
        """`/_sandbox/<name>` as JSON."""
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/_sandbox/{name}", method=method, data=None)
        with urllib.request.urlopen(request, timeout=300) as response:
            return json.loads(response.read())

    def requests(self) -> list[dict[str, Any]]:
        """The API request log (method, path, status, bytes, t)."""
        return list(self.admin("requests"))

    def summary(self) -> dict[str, Any]:
        """The sandbox's counts and request figures."""
        return dict(self.admin("summary"))

    def reset(self) -> None:
        """Forget data, request log and rate window."""
        self.admin("reset", "POST")


@contextlib.contextmanager
def sandbox(
    entity: Entity, *, rate_limit: int = UNLIMITED, window_seconds: float = 60.0, extra: tuple[str, ...] = ()
) -> Iterator[Sandbox]:
    """Run `python -m target_<vendor>.sandbox` in its own process; SIGTERM it afterwards."""
    run_dir = WORK / "sandbox"
    run_dir.mkdir(parents=True, exist_ok=True)
    port_file = run_dir / f"{entity.vendor}-{os.getpid()}.port"
    port_file.unlink(missing_ok=True)
    log = (run_dir / f"{entity.vendor}.log").open("wb")
    command = [
        PYTHON,
        "-m",
        entity.sandbox_module,
        "--port",
        "0",
        "--port-file",
        str(port_file),
        "--api-key",
        entity.api_key,
        "--rate-limit",
        str(rate_limit),
        "--window-seconds",
        str(window_seconds),
        *entity.sandbox_args,
        *extra,
    ]
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        deadline = time.monotonic() + 30
        while not port_file.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"sandbox {entity.sandbox_module} did not start: see {log.name}")
            time.sleep(0.05)
        yield Sandbox(process, int(port_file.read_text().strip()), entity.api_prefix)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()
        port_file.unlink(missing_ok=True)


# Target runs ------------------------------------------------------------------------------


@dataclass
class Measured:
    """One target process: exit code, CPU seconds (user, sys), peak RSS, wall time."""

    returncode: int
    user_seconds: float
    sys_seconds: float
    max_rss_mb: float
    wall_seconds: float
    stderr_tail: str = ""

    @property
    def cpu_seconds(self) -> float:
        """User + system CPU seconds of the process."""
        return self.user_seconds + self.sys_seconds

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, with cpu_seconds."""
        return {**asdict(self), "cpu_seconds": round(self.cpu_seconds, 3)}


def run_measured(command: list[str], stdin_path: Path, out_dir: Path, *, env: dict[str, str] | None = None) -> Measured:
    """Run `command` with the file as standard input; CPU and peak RSS of that process from `os.wait4`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with (
        stdin_path.open("rb") as stdin,
        (out_dir / "stdout.txt").open("wb") as stdout,
        (out_dir / "stderr.txt").open("wb") as stderr,
    ):
        process = subprocess.Popen(command, stdin=stdin, stdout=stdout, stderr=stderr, env=env, cwd=out_dir)
        _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    tail = (out_dir / "stderr.txt").read_text(encoding="utf-8", errors="replace")[-3000:]
    return Measured(
        process.returncode,
        usage.ru_utime,
        usage.ru_stime,
        usage.ru_maxrss / 1024,  # kilobytes on Linux
        wall,
        tail if process.returncode else "",
    )


def target_config(entity: Entity, work: Path, api_url: str, **settings: Any) -> Path:
    """A config with every output file in `work`, no shared quota file, no progress lines."""
    work.mkdir(parents=True, exist_ok=True)
    for stale in ("summary.json", "rejects.singer", "ledger.sqlite", "customers.sqlite"):
        (work / stale).unlink(missing_ok=True)
    config = {
        "api_key": entity.api_key,
        "api_url": api_url,
        "max_requests_per_minute": UNLIMITED,
        "quota_backend_url": "none",
        "progress_interval_seconds": 0,
        "rejects_path": str(work / "rejects.singer"),
        "summary_path": str(work / "summary.json"),
        "ledger_path": str(work / "ledger.sqlite"),
        "customer_index_path": str(work / "customers.sqlite"),
        "dry_run_path": str(work / "dry-run.jsonl"),
        "poll_interval_seconds": 0.2,
        "poll_max_interval_seconds": 1.0,
        **entity.settings,
        **settings,
    }
    path = work / "config.json"
    path.write_text(json.dumps(config, indent=2))
    return path


def target_command(entity: Entity, config: Path) -> list[str]:
    """`python -m target_<vendor> --config <config>`."""
    return [PYTHON, "-m", entity.module, "--config", str(config)]


def read_summary(work: Path) -> dict[str, Any]:
    """The target's run summary (empty if it wrote none)."""
    path = work / "summary.json"
    return json.loads(path.read_text()) if path.exists() else {}


# Machine state ----------------------------------------------------------------------------


def pytest_processes() -> list[str]:
    """Command lines of running pytest processes (other engineers' test runs)."""
    found = subprocess.run(["pgrep", "-fa", "pytest"], capture_output=True, text=True, check=False)
    own = str(os.getpid())
    return [line for line in found.stdout.splitlines() if line and not line.startswith(own + " ")]


def wait_for_quiet_machine(max_minutes: float = 25, poll_seconds: float = 30) -> dict[str, Any]:
    """Wait until no pytest runs (polling every 30 s, up to 25 minutes); say how busy the machine was."""
    started = time.monotonic()
    while True:
        running = pytest_processes()
        if not running or time.monotonic() - started > max_minutes * 60:
            break
        print(f"waiting for {len(running)} pytest process(es) to end ...", flush=True)
        time.sleep(poll_seconds)
    return machine_state(waited_seconds=round(time.monotonic() - started), pytest_running=len(running))


#: The packages the targets run from (installed editable from this repository).
PACKAGE_DIRS = (
    "api-target-kit/api_target_kit",
    "target-rfmcube/target_rfmcube",
    "target-ecomail/target_ecomail",
    "target-connectif/target_connectif",
)


def compile_packages() -> None:
    """Compile the packages' modules to bytecode (`__pycache__`, ignored by git).

    `pip install` does this for an installed package, and singer-sdk's modules in the virtualenv
    (which the baseline imports too) have theirs; this repository's packages are installed
    editable, and on a machine that sets `PYTHONDONTWRITEBYTECODE` every start of a target would
    compile them again (≈ 0.04 s of CPU a start here), which an installed target never pays.
    """
    for package in PACKAGE_DIRS:
        compileall.compile_dir(ROOT / package, quiet=1)


def machine_state(**extra: Any) -> dict[str, Any]:
    """Load averages, cores, pytest processes, and the code measured (commit, edited files)."""
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT, check=False
    )
    dirty = subprocess.run(
        [
            "git",
            "status",
            "--porcelain",
            "--",
            "api-target-kit",
            "target-rfmcube",
            "target-ecomail",
            "target-connectif",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    return {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "cores": os.cpu_count(),
        "loadavg_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "pytest_processes": len(pytest_processes()),
        "commit": head.stdout.strip(),
        "uncommitted_package_files": [line[3:] for line in dirty.stdout.splitlines()],
        "python": sys.version.split()[0],
        **extra,
    }


def write_result(name: str, data: dict[str, Any]) -> Path:
    """bench/results/<name>.json."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return path
