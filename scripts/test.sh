#!/usr/bin/env bash
# The project's test command (README and CI run exactly this): set-up if needed, then every
# Java test (Maven) and every Python test (pytest), with the ruff and Spotless format checks.
# Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Python lint + format (ruff.toml) first: seconds, and fails before the long Java run.
# Java formatting (Spotless, google-java-format AOSP) is checked by `mvn verify` below.
echo "== Python lint and format (ruff) =="
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== Java tests (mvn verify) =="
if ! mvn -B verify; then
    # Maven's summary shows only the top exception; print each failing test's causes too.
    for report in */target/surefire-reports/*.txt */target/failsafe-reports/*.txt; do
        if [ -f "$report" ] && grep -q -E "FAILURE|ERROR" "$report"; then
            echo "== $report =="
            grep -E "^(Tests run|[a-zA-Z].*(Exception|Error)|Caused by)" "$report" | head -40
        fi
    done
    exit 1
fi
echo "== Python tests (pytest) =="
.venv/bin/python -m pytest
