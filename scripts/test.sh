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
if [ $# -gt 0 ]; then
    exec .venv/bin/python -m pytest "$@"
fi
# tests/e2e (Meltano installs its plugins, the demo is paced to Connectif's real 100 requests/min:
# mostly waiting) runs beside the rest in a pytest process of its own; its output follows.
mkdir -p output
.venv/bin/python -m pytest tests/e2e > output/test-e2e.log 2>&1 &
e2e_pid=$!
set +e
.venv/bin/python -m pytest --ignore=tests/e2e 2>&1 | tee output/test-rest.log
rest_rc=${PIPESTATUS[0]}
wait "$e2e_pid"
e2e_rc=$?
set -e
echo "---------------- tests/e2e (ran in parallel with the rest) ----------------"
cat output/test-e2e.log
echo "---------------- the rest, again: ----------------"
tail -n 1 output/test-rest.log
echo "exit codes: tests/e2e $e2e_rc, the rest $rest_rc"
if [ "$e2e_rc" -ne 0 ] || [ "$rest_rc" -ne 0 ]; then
    exit 1
fi
