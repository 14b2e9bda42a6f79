"""sha256 of a file, the one way every part of embsum-stream names a file by its bytes.

The trainer records the warm-start checkpoint's sha256 in its run record, the retrain pipeline
records and checks the sha256 of the checkpoint kept beside a released bundle, and a bundle's
manifest.json holds the sha256 of each of its files (embsum_export). These numbers are compared
with each other, so they come from one function. It lives here, at the bottom of the package
graph (docs/development.md), because the trainer needs it and embsum imports no package built
on it.
"""

from __future__ import annotations

import hashlib
import os

_BLOCK = 1 << 20  # read 1 MiB at a time: checkpoints and weights.bin are hundreds of MB


def sha256_file(path: str | os.PathLike) -> str:
    """Lower-case hex sha256 of the file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(_BLOCK), b""):
            h.update(block)
    return h.hexdigest()
