"""The retrain tests build on the training package's test helpers (the MIND sample archive,
metrics.jsonl records, the one-torch-thread fixture) instead of copying them: put
training-batch/tests on the import path, as pytest does for the directory it collects."""

from __future__ import annotations

import sys
from pathlib import Path

TRAINING_TESTS = Path(__file__).resolve().parents[2] / "training-batch" / "tests"
if str(TRAINING_TESTS) not in sys.path:
    sys.path.insert(0, str(TRAINING_TESTS))
