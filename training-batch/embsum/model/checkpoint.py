"""Checkpoints: EmbSum config + backbone T5Config + state dict (+ optional optimizer / step).

The backbone's full T5Config is stored, so a checkpoint made from a local HF T5 directory loads
without that directory. Files are plain `torch.save` dicts of tensors and JSON-like values and
are read back with `weights_only=True`.
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple

import torch
from transformers import T5Config

from .config import EmbSumConfig
from .embsum import EmbSum

FORMAT = "embsum-checkpoint/1"


class LoadedCheckpoint(NamedTuple):
    model: EmbSum
    step: int | None
    optimizer_state: (
        dict[str, Any] | None
    )  # build the optimizer over model.parameters(), then load this
    extra: dict[str, Any]


def save_checkpoint(
    model: EmbSum,
    path: str | os.PathLike,
    optimizer: torch.optim.Optimizer | None = None,
    step: int | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    t5_cfg = model.t5.config.to_dict()
    payload = {
        "format": FORMAT,
        "config": model.config.to_dict(),
        "t5_config": t5_cfg,
        "state_dict": model.state_dict(),
        "optimizer": optimizer.state_dict() if optimizer is not None else None,
        "step": step,
        "extra": extra or {},
    }
    tmp = f"{os.fspath(path)}.tmp"
    torch.save(payload, tmp)
    os.replace(tmp, path)  # never leave a half-written checkpoint under the real name


def _read(path: str | os.PathLike, map_location) -> dict[str, Any]:
    payload = torch.load(path, map_location=map_location, weights_only=True)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path}: not an EmbSum checkpoint (expected format {FORMAT!r})")
    return payload


def read_checkpoint(
    path: str | os.PathLike, map_location: str | torch.device = "cpu"
) -> dict[str, Any]:
    """The raw payload (format, config, t5_config, state_dict, optimizer, step, extra) without
    building a model, e.g. to copy its weights into an existing one (warm start)."""
    return _read(path, map_location)


def load_checkpoint(
    path: str | os.PathLike, map_location: str | torch.device = "cpu", **config_overrides: Any
) -> LoadedCheckpoint:
    """Rebuild the model (config + backbone shape + weights) from a checkpoint.

    config_overrides may change runtime-only fields (dropout, attn_implementation). The optimizer
    state comes back as a dict: build the optimizer over the returned model, then
    `optimizer.load_state_dict(loaded.optimizer_state)` (or use restore_checkpoint)."""
    payload = _read(path, map_location)
    config = EmbSumConfig.from_dict(payload["config"], **config_overrides)
    model = EmbSum(config, t5_config=T5Config.from_dict(payload["t5_config"]))
    model.load_state_dict(payload["state_dict"])
    return LoadedCheckpoint(
        model, payload.get("step"), payload.get("optimizer"), dict(payload.get("extra") or {})
    )


def restore_checkpoint(
    model: EmbSum,
    path: str | os.PathLike,
    optimizer: torch.optim.Optimizer | None = None,
    map_location: str | torch.device = "cpu",
) -> int | None:
    """Load weights (and optimizer state, if both saved and given) into existing objects, e.g.
    to resume training. Returns the saved step."""
    payload = _read(path, map_location)
    model.load_state_dict(payload["state_dict"])
    if optimizer is not None and payload.get("optimizer") is not None:
        optimizer.load_state_dict(payload["optimizer"])
    return payload.get("step")


def from_hf_t5(local_dir: str | os.PathLike, **config_overrides: Any) -> EmbSum:
    """EmbSum whose backbone is the HF T5 checkpoint in `local_dir` (a local directory only;
    hub names are refused). The EmbSum heads (UPE, CPE, W^s) are freshly initialised."""
    local_dir = os.fspath(local_dir)
    if not os.path.isdir(local_dir):
        raise ValueError(f"{local_dir!r} is not a local directory (hub names are never downloaded)")
    return EmbSum(EmbSumConfig(backbone=local_dir, **config_overrides))
