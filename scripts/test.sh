#!/usr/bin/env bash
# The whole test suite: installs what it needs, then lint, types and tests.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 scripts/setup_env.py --dev --meltano
# Services some tests start themselves, from Debian's packages when missing: a real
# redis-server (the shared-quota tests) and PostgreSQL (the tap-postgres tests start a private
# cluster on 127.0.0.1 with initdb/pg_ctl from /usr/lib/postgresql/<version>/bin).
missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null || command -v pg_ctl >/dev/null || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy api-target-kit/api_target_kit target-rfmcube/target_rfmcube target-ecomail/target_ecomail target-connectif/target_connectif
exec .venv/bin/python -m pytest "$@"
