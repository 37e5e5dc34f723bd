#!/usr/bin/env bash
# Demo: installs Meltano and the plugins, starts the Rfmcube sandbox on loopback, runs
# `meltano run` of demo/ into it (sandbox environment) and prints what it received.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 scripts/setup_env.py --meltano
exec python3 scripts/demo.py
