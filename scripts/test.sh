#!/usr/bin/env bash
# The project's test command (README and CI run exactly this): set-up if needed, then every
# Java test (Maven) and every Python test (pytest). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== Java tests (mvn verify) =="
mvn -B verify
echo "== Python tests (pytest) =="
.venv/bin/python -m pytest
