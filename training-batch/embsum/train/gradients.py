"""One optimizer step's forward and backward: micro-batches weighted by their impressions."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Sequence

import torch
from torch.nn.parallel import DistributedDataParallel as DDP

from embsum.model import TrainBatch


@dataclass
class StepLoss:
    loss: float  # weighted mean over the step's impressions (this rank)
    nce: float
    sum: float
    rows: int  # impressions (with a click) in the step on this rank


def impression_rows(batch: TrainBatch) -> int:
    """Impressions that count in L_NCE (candidate 0 present)."""
    return int(batch.cand_mask[:, 0].any(-1).sum())


def accumulate_gradients(
    model: torch.nn.Module,
    micro_batches: Sequence[TrainBatch],
    *,
    device: torch.device | str = "cpu",
    autocast: contextlib.AbstractContextManager | None = None,
) -> StepLoss:
    """Forward + backward over the micro-batches of one optimizer step; gradients add up in
    `.grad`. Micro-batch i is weighted by rows_i / sum(rows), so the accumulated gradient is the
    gradient of the mean loss over all the step's impressions (exact for L_NCE; L_sum is a
    token mean per micro-batch, so it is exact when micro-batches hold equal summary token
    counts). Under DDP only the last backward all-reduces (no_sync on the others)."""
    rows = [impression_rows(b) for b in micro_batches]
    total = sum(rows)
    weights = [r / total for r in rows] if total else [1.0 / len(rows)] * len(rows)
    sums = torch.zeros(3, dtype=torch.float64)
    for i, (mb, w) in enumerate(zip(micro_batches, weights)):
        sync = not isinstance(model, DDP) or i == len(micro_batches) - 1
        ctx = contextlib.nullcontext() if sync else model.no_sync()
        with ctx:
            with autocast if autocast is not None else contextlib.nullcontext():
                out = model(mb.to(device))
            (out.loss.total * w).backward()
        sums += (
            torch.stack([out.loss.total.detach(), out.loss.nce.detach(), out.loss.sum.detach()])
            .double()
            .cpu()
            * w
        )
    return StepLoss(*sums.tolist(), rows=total)
