"""`metrics.jsonl`: one JSON object per line, appended as training goes (rank 0 only).

Every record has `kind` and `time` (unix seconds). Kinds and their fields (docs/training.md):

    run    config, model_config, world_size, micro_batch_size, grad_accum, batch_size,
           steps_per_epoch, total_steps, warmup_steps, device, precision, params, dataset,
           teacher, resumed_from, init_from (warm start: path, sha256, step of the checkpoint)
    train  step, epoch, loss, nce, sum, lr, grad_norm, examples, examples_per_s, seconds
    epoch  step, epoch, loss, nce, sum, examples, seconds, examples_per_s
    eval   split, step, epoch, auc, mrr, ndcg@5, ndcg@10, impressions, skipped,
           rouge1, rouge2, rougeL, rouge_users, seconds, is_best
    end    step, epoch, finished, best_step, best_epoch, best_auc, train_seconds,
           param_checksums

`step` counts optimizer steps (1-based after the step), `epoch` is 1-based (the epoch the
step belongs to, or the epoch that just ended). NaN is written as null.
"""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path
from typing import Any, Iterator

REQUIRED = {
    "run": ("config", "world_size", "batch_size", "micro_batch_size", "grad_accum", "total_steps"),
    "train": ("step", "epoch", "loss", "nce", "sum", "lr", "examples_per_s"),
    "epoch": ("step", "epoch", "loss", "nce", "sum", "seconds"),
    "eval": ("split", "step", "epoch", "auc", "mrr", "ndcg@5", "ndcg@10", "impressions"),
    "end": ("step", "epoch", "finished", "best_step", "best_epoch", "best_auc", "train_seconds"),
}


def _clean(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    return v


class MetricsLog:
    def __init__(self, path: str | os.PathLike, enabled: bool = True) -> None:
        self.path = Path(path)
        self.enabled = enabled

    def write(self, kind: str, **fields: Any) -> dict[str, Any]:
        record = {"kind": kind, "time": round(time.time(), 3), **_clean(fields)}
        if self.enabled:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(json.dumps(record, allow_nan=False) + "\n")
        return record

    def truncate_after(self, step: int) -> int:
        """Resume: drop records written after `step` by the interrupted run (they will be
        written again). Returns how many were dropped."""
        if not self.enabled or not self.path.exists():
            return 0
        kept, dropped = [], 0
        for rec in read_metrics(self.path):
            if rec.get("kind") != "run" and (rec.get("step") or 0) > step:
                dropped += 1
            else:
                kept.append(rec)
        tmp = self.path.with_suffix(".jsonl.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            for rec in kept:
                f.write(json.dumps(rec) + "\n")
        os.replace(tmp, self.path)
        return dropped


def read_metrics(path: str | os.PathLike) -> Iterator[dict[str, Any]]:
    """Records of a metrics.jsonl (a torn last line, from a killed run, is skipped)."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            yield json.loads(line)
        except json.JSONDecodeError:
            if i == len(lines) - 1:
                return
            raise ValueError(f"{path}:{i + 1}: not a JSON line: {line[:80]!r}") from None


def check_record(rec: dict[str, Any]) -> None:
    """Raise ValueError if a record lacks a field its kind requires (the schema test uses this)."""
    kind = rec.get("kind")
    if kind not in REQUIRED:
        raise ValueError(f"unknown record kind {kind!r}")
    missing = [k for k in REQUIRED[kind] if k not in rec]
    if missing:
        raise ValueError(f"{kind} record lacks {missing}: {rec}")
