"""Trainer state and its checkpoints (`last.pt`, `best.pt`).

Both files are written with :func:`embsum.model.save_checkpoint` (the model's own format:
config, T5 config, weights, optimizer state, step) plus, under `extra`:

    kind          "embsum-train-state/1"
    train_config  TrainConfig as a dict
    scheduler     LambdaLR state_dict (plain numbers)
    state         TrainState as a dict (epoch, position inside the epoch, best AUC, timings, ...)
    rng           one RNG snapshot per rank (seeding.rng_state), index = rank
    world_size    the number of ranks that wrote it
    eval          the dev metrics of the last evaluation

So `EmbSum.load_checkpoint("best.pt")` gives the model for export, and `--resume` gives back
everything needed to continue bit-for-bit (on CPU; same world size).
"""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from embsum.model import EmbSum, save_checkpoint

KIND = "embsum-train-state/1"


@dataclass
class TrainState:
    step: int = 0  # optimizer steps done
    epoch: int = 0  # 0-based epoch in progress (== epochs done at an epoch boundary)
    batch_in_epoch: int = 0  # micro-batches of `epoch` already consumed on each rank
    best_auc: float = -math.inf
    best_step: int | None = None
    best_epoch: int | None = None  # 1-based epoch of the best evaluation
    last_eval_step: int | None = None
    train_seconds: float = 0.0  # time spent in training steps (not evaluation), all invocations
    eval_seconds: float = 0.0
    epoch_sums: dict[str, float] = field(
        default_factory=lambda: _zero_sums()
    )  # of the epoch in progress

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "TrainState":
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


def _zero_sums() -> dict[str, float]:
    return {"loss": 0.0, "nce": 0.0, "sum": 0.0, "rows": 0.0, "examples": 0.0, "seconds": 0.0}


def save_train_checkpoint(
    path: str | os.PathLike,
    model: EmbSum,
    optimizer,
    scheduler,
    state: TrainState,
    train_config: dict[str, Any],
    rng: list[dict],
    eval_metrics: dict[str, Any] | None = None,
) -> None:
    extra = {
        "kind": KIND,
        "train_config": train_config,
        "scheduler": scheduler.state_dict(),
        "state": state.to_dict(),
        "rng": rng,
        "world_size": len(rng),
        "eval": {k: v for k, v in (eval_metrics or {}).items() if isinstance(v, (int, float, str))},
    }
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    save_checkpoint(model, path, optimizer=optimizer, step=state.step, extra=extra)


def read_train_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """The raw payload of a trainer checkpoint (checked to be one)."""
    if not Path(path).is_file():
        raise FileNotFoundError(
            f"no checkpoint at {path}: nothing to resume (train without --resume first)"
        )
    payload = torch.load(path, map_location="cpu", weights_only=True)
    extra = payload.get("extra") or {} if isinstance(payload, dict) else {}
    if extra.get("kind") != KIND:
        raise ValueError(
            f"{path} is not a trainer checkpoint (extra.kind {extra.get('kind')!r}, expected {KIND!r})"
        )
    return payload
