"""What a training run fixes before its model exists: device, precision, batch arithmetic,
paths (`make_plan`), and the step count once the data is known (`count_steps`)."""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from pathlib import Path

import torch

from embsum.train import distributed as du
from embsum.train.config import ConfigError, TrainConfig, schedule_warmup
from embsum.train.data import RunData


def precision_context(
    cfg: TrainConfig, device: torch.device
) -> tuple[str, contextlib.AbstractContextManager | None]:
    if cfg.precision == "bf16" and device.type != "cuda":
        raise ConfigError(
            "--precision bf16 is for CUDA only (bf16 autocast on CPU is slow and not what the "
            "paper trained with): use --precision fp32 or auto on CPU"
        )
    use_bf16 = (
        device.type == "cuda"
        and cfg.precision in ("bf16", "auto")
        and torch.cuda.is_bf16_supported()
    )
    if use_bf16:
        return "bf16", torch.autocast("cuda", dtype=torch.bfloat16)
    return "fp32", None


@dataclass(frozen=True)
class Plan:
    device: torch.device
    micro: int  # examples per micro-batch (per rank)
    accum: int  # micro-batches per optimizer step
    batch_size: int  # micro x accum x world size
    precision: str  # "bf16" | "fp32"
    amp: contextlib.AbstractContextManager | None
    out_dir: Path
    last_path: Path
    best_path: Path
    resume_path: Path | None  # None: a new run


def make_plan(cfg: TrainConfig, env: du.DistEnv) -> Plan:
    """The plan; refuses an output directory that already holds a run (unless resuming)."""
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    device = env.device
    micro, accum, batch_size = cfg.resolve_batch(env.world_size)
    precision, amp = precision_context(cfg, device)
    out_dir = Path(cfg.output_dir)
    last_path, best_path = out_dir / "last.pt", out_dir / "best.pt"
    resume_path = (
        None if cfg.resume is None else (last_path if cfg.resume == "last" else Path(cfg.resume))
    )
    if resume_path is None and (last_path.exists() or (out_dir / "metrics.jsonl").exists()):
        raise ConfigError(
            f"{out_dir} already holds a run (metrics.jsonl / last.pt): pass --resume to continue "
            "it, or choose a new --output-dir"
        )
    du.barrier(env)
    return Plan(
        device, micro, accum, batch_size, precision, amp, out_dir, last_path, best_path, resume_path
    )


@dataclass(frozen=True)
class Steps:
    n_micro: int  # micro-batches per epoch on this rank
    per_epoch: int  # optimizer steps per epoch = ceil(n_micro / accum)
    total: int  # epochs x per_epoch, capped by --max-steps
    warmup: int


def count_steps(cfg: TrainConfig, data: RunData, accum: int) -> Steps:
    n_micro = len(data.train)
    if n_micro == 0:
        raise ConfigError("the training data is empty on this rank: nothing to train on")
    per_epoch = math.ceil(n_micro / accum)
    total = cfg.epochs * per_epoch
    if cfg.max_steps is not None:
        total = min(total, cfg.max_steps)
    return Steps(n_micro, per_epoch, total, schedule_warmup(cfg, total))
