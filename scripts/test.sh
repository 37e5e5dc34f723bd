#!/usr/bin/env bash
# The whole test suite: installs what it needs, then lint, types and tests.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 scripts/setup_env.py --dev --meltano
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy api-target-kit/api_target_kit target-rfmcube/target_rfmcube target-ecomail/target_ecomail target-connectif/target_connectif
exec .venv/bin/python -m pytest "$@"
