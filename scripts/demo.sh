#!/usr/bin/env bash
# The README's main command: set-up if needed, then run the main program on the shipped data.
# Today: the text -> history -> session pipeline on real MIND users (what the streaming job will
# feed the model). Arguments are passed on, e.g. `bash scripts/demo.sh --users 5 --p 2`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m embsum.text.preview "$@"
