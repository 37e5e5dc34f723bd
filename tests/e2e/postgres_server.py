"""A private PostgreSQL server for the tap-postgres tests: its own data directory, on loopback only.

Uses Debian's `postgresql` package (`./scripts/test.sh` installs it when missing): `initdb` into a
fresh temporary directory, `pg_ctl start` listening on 127.0.0.1 and a free port, `pg_ctl stop` at
the end. As root, the server runs as the `postgres` user the package creates (PostgreSQL refuses
to run as root). SQL goes through `psql` over the server's own Unix socket.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


def find_bin_dir() -> Path | None:
    """Where `pg_ctl` lives: on PATH, else the newest `/usr/lib/postgresql/<version>/bin`."""
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PostgresServer:
    """One running cluster: where it listens and how to run SQL as its superuser."""

    bin_dir: Path
    root: Path
    port: int
    run_as: str | None

    @property
    def data_dir(self) -> Path:
        """The cluster's data directory."""
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        """The directory of the server's Unix socket (superuser access without a password)."""
        return self.root / "socket"

    def _run(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(args),
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=self.root,
            input=input,
            user=self.run_as,
            group=self.run_as,
            extra_groups=[] if self.run_as else None,
        )

    def start(self) -> None:
        """`initdb`, then `pg_ctl start` on 127.0.0.1:port (the socket in `socket_dir`)."""
        self.socket_dir.mkdir()
        (self.root / "pwfile").write_text("postgres\n")
        if self.run_as:
            entry = pwd.getpwnam(self.run_as)
            for path in (self.root, self.socket_dir, self.root / "pwfile"):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        self._run(
            str(self.bin_dir / "initdb"),
            "-D",
            str(self.data_dir),
            "-U",
            "postgres",
            "--pwfile",
            str(self.root / "pwfile"),
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--locale=C",
        )
        options = " ".join(
            (
                "-c listen_addresses=127.0.0.1",
                f"-c port={self.port}",
                f"-c unix_socket_directories={self.socket_dir}",
                # The shop's server runs in its own zone; the tap's role sets UTC for its sessions.
                "-c timezone=Europe/Prague",
                "-c fsync=off",
                "-c full_page_writes=off",
            )
        )
        self._run(
            str(self.bin_dir / "pg_ctl"),
            "-D",
            str(self.data_dir),
            "-l",
            str(self.root / "log"),
            "-o",
            options,
            "-w",
            "start",
        )

    def stop(self) -> None:
        """`pg_ctl stop -m fast`, then remove everything."""
        try:
            self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run `sql` as the superuser over the Unix socket (stops at the first error); return its output."""
        done = self._run(
            str(self.bin_dir / "psql"),
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            str(self.socket_dir),
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-d",
            database,
            input=sql,
        )
        return done.stdout

    def log_tail(self) -> str:
        """The end of the server's log, for failure messages."""
        log = self.root / "log"
        return log.read_text(errors="replace")[-3000:] if log.exists() else ""


def start_server(bin_dir: Path) -> PostgresServer:
    """Start a cluster in a new temporary directory (owned by `postgres` when running as root)."""
    run_as = "postgres" if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="tap-postgres-test-"))
    server = PostgresServer(bin_dir, root, _free_port(), run_as)
    try:
        server.start()
    except subprocess.CalledProcessError as error:
        tail = server.log_tail()
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"PostgreSQL did not start: {error.stderr}\n{tail}") from error
    return server
