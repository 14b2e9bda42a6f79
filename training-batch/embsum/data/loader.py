"""DataLoader factories: shuffling per epoch, seeded workers, persistent worker processes.

Defaults keep the 2 CPU cores busy: ``num_workers=2`` processes build and collate batches while
the main process trains; ``persistent_workers`` avoids re-forking them every epoch.

Determinism: batch contents depend only on (seed, epoch) -- the order comes from
:class:`EpochSampler` (main process), the negatives from (seed, epoch, index) (dataset.py), so
any ``num_workers`` gives the same batches. Call ``loader.sampler.set_epoch(e)`` before each
epoch, or let the sampler count epochs itself (each new iteration is the next epoch).
"""

from __future__ import annotations

import random
from typing import Iterator, Mapping, Sequence

import numpy as np
import torch
from torch.utils.data import DataLoader, Sampler

from embsum.data.collate import EvalCollator, TrainCollator
from embsum.data.dataset import EvalDataset, TrainDataset


class EpochSampler(Sampler):
    """Yields ``(epoch, index)``: a fresh seeded permutation per epoch (or file order)."""

    def __init__(self, n: int, *, shuffle: bool = True, seed: int = 0) -> None:
        self.n = n
        self.shuffle = shuffle
        self.seed = seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self.n

    def __iter__(self) -> Iterator[tuple[int, int]]:
        epoch = self.epoch
        self.epoch += 1
        if self.shuffle:
            order = np.random.default_rng([self.seed, epoch]).permutation(self.n)
        else:
            order = np.arange(self.n)
        return iter([(epoch, int(i)) for i in order])


def seed_worker(worker_id: int) -> None:
    """Seed Python's and numpy's global RNGs in a worker from torch's per-worker seed (which
    follows the loader's generator), in case any code in a worker uses them."""
    s = torch.initial_seed() % 2**32
    random.seed(s)
    np.random.seed(s)


def _loader(
    dataset,
    batch_size,
    sampler,
    collate,
    *,
    seed,
    num_workers,
    persistent_workers,
    prefetch_factor,
    drop_last,
    pin_memory,
    multiprocessing_context,
) -> DataLoader:
    workers = num_workers > 0
    return DataLoader(
        dataset,
        batch_size=batch_size,
        sampler=sampler,
        collate_fn=collate,
        num_workers=num_workers,
        persistent_workers=persistent_workers and workers,
        prefetch_factor=prefetch_factor if workers else None,
        worker_init_fn=seed_worker if workers else None,
        generator=torch.Generator().manual_seed(seed),
        drop_last=drop_last,
        pin_memory=pin_memory,
        multiprocessing_context=multiprocessing_context if workers else None,
    )


def make_train_loader(
    dataset: TrainDataset,
    batch_size: int,
    *,
    summaries: Mapping[str, Sequence[int]] | None = None,
    max_summary_tokens: int = 128,
    shuffle: bool = True,
    seed: int = 0,
    num_workers: int = 2,
    persistent_workers: bool = True,
    prefetch_factor: int = 4,
    drop_last: bool = False,
    pin_memory: bool = False,
    multiprocessing_context: str | None = None,
) -> DataLoader:
    """Batches of :class:`~embsum.model.batch.TrainBatch`. ``loader.sampler`` is the
    :class:`EpochSampler` (``set_epoch``)."""
    return _loader(
        dataset,
        batch_size,
        EpochSampler(len(dataset), shuffle=shuffle, seed=seed),
        TrainCollator(dataset.cfg, summaries, max_summary_tokens),
        seed=seed,
        num_workers=num_workers,
        persistent_workers=persistent_workers,
        prefetch_factor=prefetch_factor,
        drop_last=drop_last,
        pin_memory=pin_memory,
        multiprocessing_context=multiprocessing_context,
    )


def make_eval_loader(
    dataset: EvalDataset,
    batch_size: int,
    *,
    summaries: Mapping[str, Sequence[int]] | None = None,
    max_summary_tokens: int = 128,
    num_workers: int = 2,
    persistent_workers: bool = True,
    prefetch_factor: int = 4,
    pin_memory: bool = False,
    multiprocessing_context: str | None = None,
) -> DataLoader:
    """Batches of :class:`~embsum.data.collate.EvalBatch` in impression order."""
    return _loader(
        dataset,
        batch_size,
        None,
        EvalCollator(dataset.cfg, summaries, max_summary_tokens),
        seed=0,
        num_workers=num_workers,
        persistent_workers=persistent_workers,
        prefetch_factor=prefetch_factor,
        drop_last=False,
        pin_memory=pin_memory,
        multiprocessing_context=multiprocessing_context,
    )
