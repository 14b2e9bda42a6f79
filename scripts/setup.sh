#!/usr/bin/env bash
# One-time (idempotent) set-up on a fresh machine: the Python virtualenv from the pinned lock,
# promtool for the alert tests, and the Maven dependencies. Re-running is cheap: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
py_version=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [ "$py_version" != "3.11" ]; then
  echo "setup: Python 3.11 is required, found $py_version at $(command -v "$PYTHON")." >&2
  echo "       Install Python 3.11 or point PYTHON=/path/to/python3.11 at one." >&2
  exit 2
fi
command -v mvn >/dev/null 2>&1 || { echo "setup: Maven (mvn) not found; install Maven 3.8+ and JDK 17." >&2; exit 2; }

# Python: rebuild the venv only when the lock changed; when only a package definition
# (pyproject.toml) changed, reinstall the three editable packages (seconds, not a 3 GB download).
lock_stamp=.venv/.requirements.sha256
packages_stamp=.venv/.packages.sha256
# The three packages, in the order of the package graph (docs/development.md): training-batch
# (embsum), model-export (embsum_export, on embsum), retrain (embsum_retrain, on both).
packages="training-batch model-export retrain"
want_lock=$(sha256sum requirements.txt | cut -d' ' -f1)
want_packages=$(cat $(printf '%s/pyproject.toml ' $packages) | sha256sum | cut -d' ' -f1)
if [ ! -f "$lock_stamp" ] || [ "$(cat "$lock_stamp")" != "$want_lock" ]; then
  echo "setup: creating .venv from requirements.txt (first run downloads ~3 GB of wheels)"
  rm -rf .venv
  "$PYTHON" -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
  echo "$want_lock" > "$lock_stamp"
fi
if [ ! -f "$packages_stamp" ] || [ "$(cat "$packages_stamp")" != "$want_packages" ]; then
  echo "setup: installing the project's Python packages (editable): $packages"
  for package in $packages; do
    .venv/bin/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e "$package"
  done
  echo "$want_packages" > "$packages_stamp"
else
  echo "setup: .venv is up to date"
fi

# promtool (Prometheus' rule checker, for deploy/tests/test_ops_alerts.py): unpacked from the
# distribution's `prometheus` package into .tools/, no root needed and no daemon started. A
# promtool already on PATH is used instead. promtool is a static binary: no dependencies.
promtool_version=2.42.0+ds-5+deb12u1
if ! command -v promtool >/dev/null 2>&1 && [ ! -x .tools/prometheus/usr/bin/promtool ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup: promtool not found and no apt-get to fetch it; install Prometheus' promtool" >&2
    echo "       (e.g. the 'prometheus' package of your distribution), then rerun." >&2
    exit 2
  fi
  echo "setup: fetching promtool (Debian package prometheus $promtool_version) into .tools/"
  rm -rf .tools/deb && mkdir -p .tools/deb
  (cd .tools/deb && { apt-get download -q "prometheus=$promtool_version" >/dev/null 2>&1 \
      || { echo "setup: prometheus $promtool_version is gone from the archive; taking the current one" >&2
           apt-get download -q prometheus >/dev/null; }; })
  dpkg-deb -x .tools/deb/prometheus_*.deb .tools/prometheus
  rm -rf .tools/deb
  .tools/prometheus/usr/bin/promtool --version 2>&1 | head -1
fi

# Java: compile and install the modules (no tests) so every dependency is in ~/.m2. The Spotless
# format check is left to `mvn verify` (scripts/test.sh): set-up builds unformatted work too.
echo "setup: resolving Maven dependencies and building (tests skipped)"
mvn -B -q -DskipTests -Dspotless.check.skip=true install
echo "setup: done"
