"""AdamW and the learning-rate schedule.

Schedule (docs/training.md): linear warmup from 0 to `lr` over `warmup` steps, then cosine (or
linear) decay to `min_lr_ratio * lr` at the last step; `constant` holds `lr` after warmup.
Why warmup + clipping: with a random-init backbone the scores are unscaled dot products and the
initial NCE is large (about 26 for random-init t5-small), so the first full-size AdamW steps
would be taken on huge, noisy gradients. Cosine to lr/10 is nanoGPT's choice; the paper only
fixes lr 5e-4.

Weight decay applies to matrices (dim >= 2: projections, embeddings, poly codes) and not to
vectors (T5's layer-norm scales), the usual AdamW split.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def build_optimizer(
    model: nn.Module, lr: float, weight_decay: float, betas: tuple[float, float], eps: float
) -> torch.optim.AdamW:
    decay, no_decay = [], []
    for _, p in sorted(model.named_parameters(), key=lambda kv: kv[0]):
        if p.requires_grad:
            (decay if p.dim() >= 2 else no_decay).append(p)
    groups = [
        {"params": decay, "weight_decay": weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    # foreach=False: the same kernel on every platform, so resumed / distributed runs match bit
    # for bit on CPU (the foreach path is a speed-up on CUDA only).
    return torch.optim.AdamW(
        groups, lr=lr, betas=betas, eps=eps, foreach=None if _has_cuda(model) else False
    )


def _has_cuda(model: nn.Module) -> bool:
    return any(p.is_cuda for p in model.parameters())


def lr_factor(
    step: int, total: int, warmup: int, kind: str = "cosine", min_ratio: float = 0.1
) -> float:
    """Multiplier of the peak lr for optimizer step `step` (0-based: the lr used by step+1)."""
    if warmup > 0 and step < warmup:
        return (step + 1) / warmup
    if kind == "constant":
        return 1.0
    span = max(1, total - warmup)
    progress = min(1.0, max(0.0, (step - warmup) / span))
    if kind == "linear":
        shape = 1.0 - progress
    elif kind == "cosine":
        shape = 0.5 * (1.0 + math.cos(math.pi * progress))
    else:
        raise ValueError(f"unknown schedule {kind!r}")
    return min_ratio + (1.0 - min_ratio) * shape


def build_scheduler(
    optimizer: torch.optim.Optimizer, total: int, warmup: int, kind: str, min_ratio: float
) -> torch.optim.lr_scheduler.LambdaLR:
    # a closure, not a callable object: LambdaLR then stores no lambda state, and its
    # state_dict is plain numbers (checkpoint-safe)
    def factor(step: int) -> float:
        return lr_factor(step, total, warmup, kind, min_ratio)

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
