"""Per-impression ranking metrics with the official MIND scorer's definitions.

Reference: msnews MIND `evaluate.py` (the leaderboard scorer):

    dcg_score(y_true, y_score, k): order = argsort(y_score)[::-1]; take y_true in that order,
        first k; sum((2**rel - 1) / log2(rank + 1)), rank = 1, 2, ...
    ndcg_score(y_true, y_score, k) = dcg(y_true, y_score, k) / dcg(y_true, y_true, k)
    mrr_score(y_true, y_score) = sum(y_true / rank) / sum(y_true), ranks by descending score
    AUC = sklearn.metrics.roc_auc_score(y_true, y_score)

AUC is implemented here without sklearn as the Mann-Whitney statistic with average ranks for
tied scores, which is exactly sklearn's value (its trapezoidal ROC counts a tied
positive/negative pair as 1/2). For nDCG/MRR, tied scores are ordered exactly as the official
code does (`np.argsort(y_score)[::-1]`, numpy's default sort), so numbers match it bit for bit.

Impressions are averaged with equal weight. An impression needs at least one clicked and one
non-clicked candidate (otherwise AUC is undefined, sklearn raises, and nDCG/MRR are 0/0); such
impressions are skipped for *all* metrics and counted in `skipped`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np


def _as_arrays(y_true, y_score) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(y_true, dtype=np.float64).ravel()
    s = np.asarray(y_score, dtype=np.float64).ravel()
    if t.shape != s.shape:
        raise ValueError(f"labels and scores differ in length: {t.shape[0]} vs {s.shape[0]}")
    return t, s


def _average_ranks(x: np.ndarray) -> np.ndarray:
    """1-based ranks of x ascending, ties get the mean of the ranks they span (scipy rankdata 'average')."""
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    # boundaries of runs of equal values
    starts = np.r_[0, np.flatnonzero(xs[1:] != xs[:-1]) + 1]
    ends = np.r_[starts[1:], xs.size]
    avg = (starts + ends + 1) / 2.0  # mean of 1-based ranks start+1 .. end
    ranks = np.empty(x.size, dtype=np.float64)
    ranks[order] = np.repeat(avg, ends - starts)
    return ranks


def auc_score(y_true, y_score) -> float:
    """ROC AUC of one impression (= sklearn roc_auc_score); nan if only one class is present."""
    t, s = _as_arrays(y_true, y_score)
    pos = t > 0
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    r = _average_ranks(s)
    return float((r[pos].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def dcg_score(y_true, y_score, k: int = 10) -> float:
    t, s = _as_arrays(y_true, y_score)
    order = np.argsort(s)[::-1]
    rel = np.take(t, order[:k])
    gains = 2**rel - 1
    discounts = np.log2(np.arange(len(rel)) + 2)
    return float(np.sum(gains / discounts))


def ndcg_score(y_true, y_score, k: int = 10) -> float:
    best = dcg_score(y_true, y_true, k)
    return float("nan") if best == 0 else dcg_score(y_true, y_score, k) / best


def mrr_score(y_true, y_score) -> float:
    t, s = _as_arrays(y_true, y_score)
    order = np.argsort(s)[::-1]
    rel = np.take(t, order)
    total = rel.sum()
    return float("nan") if total == 0 else float(np.sum(rel / (np.arange(len(rel)) + 1)) / total)


METRIC_NAMES = ("auc", "mrr", "ndcg@5", "ndcg@10")


def impression_metrics(y_true, y_score) -> dict[str, float] | None:
    """All four metrics of one impression, or None if it lacks a click or a non-click."""
    t, s = _as_arrays(y_true, y_score)
    if not ((t > 0).any() and (t <= 0).any()):
        return None
    return {
        "auc": auc_score(t, s),
        "mrr": mrr_score(t, s),
        "ndcg@5": ndcg_score(t, s, 5),
        "ndcg@10": ndcg_score(t, s, 10),
    }


@dataclass
class ImpressionMetrics:
    """Streaming accumulator: add(labels, scores) per impression, then compute()."""

    sums: dict[str, float] = field(default_factory=lambda: {k: 0.0 for k in METRIC_NAMES})
    count: int = 0
    skipped: int = 0

    def add(self, y_true, y_score) -> None:
        m = impression_metrics(y_true, y_score)
        if m is None:
            self.skipped += 1
            return
        for k, v in m.items():
            self.sums[k] += v
        self.count += 1

    def compute(self) -> dict[str, float]:
        out = {k: (v / self.count if self.count else float("nan")) for k, v in self.sums.items()}
        out["impressions"] = self.count
        out["skipped"] = self.skipped
        return out


def evaluate(
    labels: Iterable[Sequence[float]], scores: Iterable[Sequence[float]]
) -> dict[str, float]:
    """Mean AUC, MRR, nDCG@5, nDCG@10 over impressions (lists of per-impression arrays)."""
    acc = ImpressionMetrics()
    for t, s in zip(labels, scores, strict=True):
        acc.add(t, s)
    return acc.compute()
