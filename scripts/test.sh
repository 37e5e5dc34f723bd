#!/usr/bin/env bash
# The whole test suite: installs what it needs, then lint, types and tests.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 scripts/setup_env.py --dev --meltano
# The shared-quota tests start a real redis-server (Debian's package).
if ! command -v redis-server >/dev/null; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq redis-server >/dev/null
fi
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy api-target-kit/api_target_kit target-rfmcube/target_rfmcube target-ecomail/target_ecomail target-connectif/target_connectif
exec .venv/bin/python -m pytest "$@"
