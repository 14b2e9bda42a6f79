"""Where micro-batches come from: a rank-sharded, per-epoch deterministic order.

The trainer only needs a :class:`TrainSource`: `len()` micro-batches per epoch on this rank and
`batches(epoch, start)` yielding :class:`~embsum.model.batch.TrainBatch` from micro-batch
`start` on. :class:`LoaderSource` builds one from any map-style dataset + collate function
(embsum.data's TrainDataset + TrainCollator, or the synthetic data) through a DataLoader.

Order: epoch e uses `numpy.random.default_rng([seed, e]).permutation(n)` (the same rule as
embsum.data's EpochSampler). With W ranks the first `(n // W) * W` positions are dealt
round-robin (rank r takes positions r, r+W, ...), so every rank has the same number of
micro-batches (DDP needs that) and at most W-1 examples sit out an epoch (a different few each
epoch). Optimizer step j then covers permutation positions [j*B, (j+1)*B) with B the effective
batch, whatever W, micro-batch size and accumulation are: one process with accumulation and W
processes see the same examples per step.

Resume: `batches(epoch, start)` skips inside the sampler (no skipped batch is loaded), and the
dataset is indexed by `(epoch, index)` so the negatives drawn do not depend on what ran before.
"""

from __future__ import annotations

import math
from typing import Callable, Iterator, Protocol, Sequence

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from embsum.model.batch import TrainBatch


class TrainSource(Protocol):
    def __len__(self) -> int: ...  # micro-batches per epoch on this rank
    def batches(self, epoch: int, start: int = 0) -> Iterator[TrainBatch]: ...


def epoch_order(n: int, seed: int, epoch: int, shuffle: bool = True) -> np.ndarray:
    return np.random.default_rng([seed, epoch]).permutation(n) if shuffle else np.arange(n)


class ShardedEpochSampler(Sampler):
    """Yields `(epoch, index)` keys of this rank's share of the epoch, from sample `start` on."""

    def __init__(
        self, n: int, *, rank: int = 0, world_size: int = 1, seed: int = 0, shuffle: bool = True
    ) -> None:
        if n < world_size:
            raise ValueError(f"{n} training examples cannot be shared by {world_size} processes")
        self.n, self.rank, self.world_size, self.seed, self.shuffle = (
            n,
            rank,
            world_size,
            seed,
            shuffle,
        )
        self.epoch = 0
        self.start = 0

    @property
    def per_rank(self) -> int:
        return self.n // self.world_size

    def set_epoch(self, epoch: int, start: int = 0) -> None:
        self.epoch, self.start = epoch, start

    def __len__(self) -> int:
        return max(0, self.per_rank - self.start)

    def shard(self, epoch: int) -> np.ndarray:
        order = epoch_order(self.n, self.seed, epoch, self.shuffle)
        return order[: self.per_rank * self.world_size][self.rank :: self.world_size]

    def __iter__(self) -> Iterator[tuple[int, int]]:
        mine = self.shard(self.epoch)[self.start :]
        return iter([(self.epoch, int(i)) for i in mine])


class LoaderSource:
    """TrainSource over a map-style dataset indexed by `(epoch, index)` and a collate function."""

    def __init__(
        self,
        dataset: Dataset,
        collate: Callable,
        micro_batch_size: int,
        *,
        rank: int = 0,
        world_size: int = 1,
        seed: int = 0,
        num_workers: int = 0,
        shuffle: bool = True,
    ) -> None:
        self.micro_batch_size = micro_batch_size
        self.sampler = ShardedEpochSampler(
            len(dataset), rank=rank, world_size=world_size, seed=seed, shuffle=shuffle
        )
        workers = num_workers > 0
        # A private generator: DataLoader draws its worker base seed from it, so iterating never
        # touches torch's global RNG (which dropout uses and checkpoints restore).
        self.loader = DataLoader(
            dataset,
            batch_size=micro_batch_size,
            sampler=self.sampler,
            collate_fn=collate,
            num_workers=num_workers,
            persistent_workers=workers,
            prefetch_factor=4 if workers else None,
            generator=torch.Generator().manual_seed(seed),
            drop_last=False,
        )

    def __len__(self) -> int:
        return math.ceil(self.sampler.per_rank / self.micro_batch_size)

    def batches(self, epoch: int, start: int = 0) -> Iterator[TrainBatch]:
        self.sampler.set_epoch(epoch, start * self.micro_batch_size)
        return iter(self.loader)


class EvalSource:
    """This rank's share of an evaluation dataset (positions rank, rank+W, ...), first
    `limit` items only if set, as batches of whole impressions."""

    def __init__(
        self,
        dataset: Dataset,
        collate: Callable,
        batch_size: int,
        *,
        rank: int = 0,
        world_size: int = 1,
        limit: int | None = None,
        num_workers: int = 0,
    ) -> None:
        n = len(dataset) if limit is None else min(limit, len(dataset))
        self.indices: Sequence[int] = list(range(rank, n, world_size))
        self.size = n
        workers = num_workers > 0
        self.loader = DataLoader(
            _Subset(dataset, self.indices),
            batch_size=batch_size,
            shuffle=False,
            collate_fn=collate,
            num_workers=num_workers,
            persistent_workers=workers,
            generator=torch.Generator().manual_seed(0),
        )

    def __len__(self) -> int:
        return len(self.loader)

    def __iter__(self):
        return iter(self.loader)


class _Subset(Dataset):
    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset, self.indices = dataset, indices

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i: int):
        return self.dataset[self.indices[i]]
