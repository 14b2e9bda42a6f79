"""Shared helpers of the trainer tests: a tiny, fast TrainConfig on the synthetic dataset."""

from __future__ import annotations

import torch

from embsum.train import TrainConfig, read_metrics


def tiny_cfg(out, **kw) -> TrainConfig:
    """Tiny model (d 32), 32 synthetic examples, batch 8 = micro 4 x accum 2, 2 epochs (8 steps)."""
    base = dict(
        dataset="synthetic",
        model="tiny",
        m=4,
        n=3,
        max_summary_tokens=8,
        synthetic_examples=32,
        batch_size=8,
        micro_batch_size=4,
        grad_accum=None,
        epochs=2,
        lr=5e-3,
        warmup_steps=1,
        num_workers=0,
        rouge_users=0,
        test_at_end=False,
        eval_batch_size=16,
        progress=False,
        output_dir=str(out),
        device="cpu",
    )
    base.update(kw)
    return TrainConfig(**base)


def records(out, kind=None, split=None):
    recs = list(read_metrics(f"{out}/metrics.jsonl"))
    return [
        r
        for r in recs
        if (kind is None or r["kind"] == kind) and (split is None or r.get("split") == split)
    ]


def state_dicts_equal(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
