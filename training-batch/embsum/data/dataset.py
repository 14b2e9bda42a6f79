"""torch Datasets over training examples and evaluation impressions.

``__getitem__`` does the per-example work (history window, sessions via the contract's
``group_sessions``, negative draw, content tokens); the collators (collate.py) pad and stack.
Both run in the DataLoader workers. A training dataset accepts an ``int`` index (epoch 0) or
an ``(epoch, index)`` pair from :class:`embsum.data.loader.EpochSampler`, so the negatives of an
example depend only on (seed, epoch, index): the same with 0, 1 or 2 workers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from torch.utils.data import Dataset

from embsum.data.examples import EvalImpressions, TrainExamples, example_rng, sample_negatives
from embsum.data.history import user_sessions
from embsum.data.tokens import TokenStore
from embsum.text import Session, TextConfig


@dataclass
class TrainSample:
    user_id: str
    impression_id: str
    sessions: list[Session]
    items: list[str]  # candidate item ids; [0] is the positive
    contents: list[np.ndarray]  # content tokens ([SOS] + text + </s>) per candidate


@dataclass
class EvalSample:
    user_id: str
    impression_id: str
    sessions: list[Session]
    items: list[str]
    contents: list[np.ndarray]
    labels: tuple[int, ...]


class TrainDataset(Dataset):
    """One item per training example: positive + ``neg_ratio`` drawn negatives."""

    def __init__(
        self, examples: TrainExamples, tokens: TokenStore, cfg: TextConfig, *, seed: int = 0
    ) -> None:
        self.examples = examples
        self.tokens = tokens
        self.cfg = cfg.validate()
        self.seed = seed
        missing = {e.positive for e in examples.examples if e.positive not in tokens}
        if missing:
            raise KeyError(f"{len(missing)} positives have no tokens, e.g. {sorted(missing)[:3]}")

    def __len__(self) -> int:
        return len(self.examples.examples)

    def negatives(self, index: int, epoch: int = 0) -> list[str]:
        """The negatives drawn for example ``index`` in ``epoch`` (deterministic)."""
        ex = self.examples.examples[index]
        pool = self.examples.pools[ex.pool]
        return sample_negatives(
            pool,
            self.examples.neg_ratio,
            example_rng(self.seed, epoch, index),
            self.examples.fill_catalog,
            positive=ex.positive,
        )

    def __getitem__(self, key: int | tuple[int, int]) -> TrainSample:
        epoch, index = key if isinstance(key, tuple) else (0, key)
        ex = self.examples.examples[index]
        src = self.examples.histories[ex.history]
        sessions = user_sessions(src.engagements[: ex.length], self.tokens, self.cfg)
        items = [ex.positive] + self.negatives(index, epoch)
        return TrainSample(
            src.user_id, ex.impression_id, sessions, items, [self.tokens.content(i) for i in items]
        )


class EvalDataset(Dataset):
    """One item per evaluation impression (all candidates, with labels)."""

    def __init__(self, impressions: EvalImpressions, tokens: TokenStore, cfg: TextConfig) -> None:
        self.impressions = impressions
        self.tokens = tokens
        self.cfg = cfg.validate()

    def __len__(self) -> int:
        return len(self.impressions.impressions)

    def __getitem__(self, index: int) -> EvalSample:
        imp = self.impressions.impressions[index]
        src = self.impressions.histories[imp.history]
        sessions = user_sessions(src.engagements[: imp.length], self.tokens, self.cfg)
        return EvalSample(
            src.user_id,
            imp.impression_id,
            sessions,
            list(imp.candidates),
            [self.tokens.content(i) for i in imp.candidates],
            imp.labels,
        )
