#!/usr/bin/env bash
# Wheels and sdists of api-target-kit and the three targets: `./scripts/build.sh [OUTDIR]`
# (default dist/). Each package is built with `python -m build` (the sdist first, then the wheel
# from the sdist, so a file missing from the sdist fails here rather than on a user's machine).
set -euo pipefail
cd "$(dirname "$0")/.."
OUTDIR="$(realpath -m "${1:-dist}")"
python3 scripts/setup_env.py --dev >&2
mkdir -p "$OUTDIR"
for package in api-target-kit target-rfmcube target-ecomail target-connectif; do
    .venv/bin/python -m build --outdir "$OUTDIR" "$package" >&2
done
ls -1 "$OUTDIR"
