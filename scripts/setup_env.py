"""Create the virtual environments this repository needs (idempotent, stdlib only).

- `.venv`: the kit and the targets (editable) plus test tools, for tests and sandboxes.
- `.venv-meltano`: Meltano itself, kept apart from the plugins it installs.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["api-target-kit", "target-rfmcube", "target-ecomail", "target-connectif"]
TEST_TOOLS = [
    "pytest==9.2.0",
    "mypy==2.4.1",
    "ruff==0.17.6",
    "types-requests",
    # py-spy: the CPU profiles of bench/cpu_per_record.py.
    "py-spy==0.4.3",
    # build: the wheels and sdists of scripts/build.sh (tests/packaging installs them).
    "build==1.6.1",
]
MELTANO = "meltano==4.4.1"


def _python(env: Path) -> Path:
    return env / "bin" / "python"


def _ensure(env: Path, requirements: list[str], marker: str) -> None:
    stamp = env / f".installed-{marker}"
    wanted = "\n".join(requirements)
    if stamp.exists() and stamp.read_text() == wanted:
        return
    if not _python(env).exists():
        print(f"creating {env.name}", flush=True)
        venv.EnvBuilder(with_pip=True).create(env)
    print(f"installing into {env.name}: {' '.join(requirements)}", flush=True)
    subprocess.run(
        [str(_python(env)), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *requirements],
        check=True,
        cwd=ROOT,
    )
    stamp.write_text(wanted)


def main() -> int:
    """Install what was asked for."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dev", action="store_true", help="packages and test tools in .venv")
    parser.add_argument("--meltano", action="store_true", help="meltano in .venv-meltano")
    args = parser.parse_args()
    if args.dev:
        editable = [item for package in PACKAGES for item in ("-e", f"./{package}")]
        _ensure(ROOT / ".venv", [*editable, *TEST_TOOLS], "dev")
    if args.meltano:
        _ensure(ROOT / ".venv-meltano", [MELTANO], "meltano")
    return 0


if __name__ == "__main__":
    sys.exit(main())
