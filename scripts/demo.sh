#!/usr/bin/env bash
# Demo: installs Meltano and the plugins, starts each vendor's sandbox on loopback, runs
# `meltano run` of demo/ into it (sandbox environment) and prints what it received.
# Usage: ./scripts/demo.sh [rfmcube] [ecomail] [connectif]   (all three by default)
set -euo pipefail
cd "$(dirname "$0")/.."
python3 scripts/setup_env.py --meltano
exec python3 scripts/demo.py "$@"
