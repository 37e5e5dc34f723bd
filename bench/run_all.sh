#!/usr/bin/env bash
# All six benchmarks, in the order the README reports them. Results go to bench/results/*.json.
# The CPU benchmark waits (up to 25 minutes) until no pytest run is left on the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
[ -x .venv/bin/py-spy ] || "$PY" -m pip install --quiet --disable-pip-version-check py-spy==0.4.3
"$PY" bench/cpu_per_record.py "$@"
"$PY" bench/quota_efficiency.py
"$PY" bench/memory.py
"$PY" bench/pacing.py
"$PY" bench/learned_cap.py
"$PY" bench/quota_floor.py
