"""Warm start (`--init-from CHECKPOINT`): a new run begins from trained weights.

Only the weights are taken. The optimizer moments, the LR schedule, the step counter and the
RNG start fresh, because a warm start is a new run on new data (retraining on the newest days of
the event archive), not the continuation of an old one (that is `--resume`). Any EmbSum
checkpoint works: the trainer's best.pt / last.pt, or the `<model_version>.checkpoint.pt` that
embsum_retrain stores next to a released bundle.

The model of the run is built from the run's own flags. The checkpoint's weights must fit it
tensor for tensor; if they do not, the error lists the differing tensors and the checkpoint's
model flags, so the fix is a copy-paste.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from embsum.digest import sha256_file
from embsum.model import EmbSum, EmbSumConfig, read_checkpoint
from embsum.train.config import ConfigError


def model_flags(config: EmbSumConfig) -> str:
    """The `python -m embsum.train` flags that build a model of this config's shape."""
    flags = [f"--model {config.backbone}", f"--upe-codes {config.m}", f"--cpe-codes {config.n}"]
    if not config.use_cpe:
        flags.append("--no-use-cpe")
    if not config.session_grouping:
        flags.append("--no-session-grouping")
    return " ".join(flags)


def load_init_weights(model: EmbSum, path: str | os.PathLike) -> dict[str, Any]:
    """Copy checkpoint `path`'s weights into `model` (in place). Returns what was loaded (path,
    sha256, step, the checkpoint's model config) for the run record. Raises ConfigError when the
    file is missing, is not an EmbSum checkpoint, or its tensors do not fit `model`."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(
            f"--init-from {path}: no such file (an EmbSum checkpoint: best.pt, last.pt or a released "
            "<model_version>.checkpoint.pt)"
        )
    try:
        payload = read_checkpoint(path)
    except Exception as e:  # noqa: BLE001 - torch raises many types for a file that is not a checkpoint
        raise ConfigError(
            f"--init-from {path}: cannot read it as an EmbSum checkpoint ({type(e).__name__}: {e})"
        ) from None
    saved_cfg = EmbSumConfig.from_dict(payload["config"])
    state = payload["state_dict"]
    own = model.state_dict()
    missing = sorted(own.keys() - state.keys())
    unexpected = sorted(state.keys() - own.keys())
    shapes = [
        (k, tuple(state[k].shape), tuple(own[k].shape))
        for k in sorted(own.keys() & state.keys())
        if state[k].shape != own[k].shape
    ]
    if missing or unexpected or shapes:
        parts = []
        if shapes:
            parts.append(
                f"{len(shapes)} tensors differ in shape ("
                + "; ".join(
                    f"{k}: checkpoint {list(a)} vs model {list(b)}" for k, a, b in shapes[:3]
                )
                + ("; ..." if len(shapes) > 3 else "")
                + ")"
            )
        if missing:
            parts.append(
                f"{len(missing)} tensors of the model are not in the checkpoint (e.g. {missing[0]})"
            )
        if unexpected:
            parts.append(
                f"{len(unexpected)} tensors of the checkpoint are not in the model (e.g. {unexpected[0]})"
            )
        raise ConfigError(
            f"--init-from {path}: its weights do not fit this run's model: {', '.join(parts)}. The checkpoint "
            f"was built with `{model_flags(saved_cfg)}`, this run with `{model_flags(model.config)}`: pass the "
            "checkpoint's model flags, or train from scratch without --init-from"
        )
    model.load_state_dict(state)
    return {
        "path": str(path),
        "sha256": sha256_file(path),
        "step": payload.get("step"),
        "model_config": saved_cfg.to_dict(),
    }
