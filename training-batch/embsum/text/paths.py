"""Where the shared files of the text contract live in the repository.

Everything the contract needs (tokenizer, data samples, golden file) is committed to the
repository, so paths are resolved relative to this package rather than the working directory:
the trainer, the tests and the golden generator then agree no matter where they are started.
"""

from __future__ import annotations

from pathlib import Path

#: Repository root: training-batch/embsum/text/paths.py -> parents[3].
REPO_ROOT: Path = Path(__file__).resolve().parents[3]

TOKENIZER_DIR: Path = REPO_ROOT / "models" / "t5-small-tokenizer"
SPIECE_MODEL: Path = TOKENIZER_DIR / "spiece.model"
TOKENIZER_JSON: Path = TOKENIZER_DIR / "tokenizer.json"

MIND_DIR: Path = REPO_ROOT / "data" / "mind"
GOODREADS_DIR: Path = REPO_ROOT / "data" / "goodreads"

GOLDEN_FILE: Path = REPO_ROOT / "schemas" / "golden" / "text-contract.json"
