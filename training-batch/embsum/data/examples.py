"""Training examples and evaluation impressions, in a compact, dataset-independent form.

A *training example* is one positive (a click, or a Goodreads rating > 3) with a pool of real
negatives to draw ``neg_ratio`` from; the draw happens when the example is loaded, seeded by
(seed, epoch, index), so every epoch sees fresh negatives and the result does not depend on
which worker loads it. An *evaluation impression* is a whole candidate list with labels.

Histories are shared: an example names a :class:`HistorySource` (a user's accepted
engagements, oldest -> newest) and how many of them (``length``) precede it; the window and
sessions are built from that prefix when the example is loaded (embsum.data.history).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Sequence


@dataclass(frozen=True)
class HistorySource:
    user_id: str
    engagements: tuple[str, ...]  # accepted engagements, oldest -> newest (before the window)


@dataclass(frozen=True)
class NegativePool:
    """Real negatives of one impression (MIND) or one user (Goodreads).

    ``exclude is None``: when the pool has fewer than ``neg_ratio`` items, the example gets
    fewer candidates (padded in the batch). Otherwise the rest is filled with catalog items not
    in ``exclude`` (Goodreads: books the user did not rate).
    """

    items: tuple[str, ...]
    exclude: frozenset[str] | None = None


@dataclass(frozen=True)
class TrainExample:
    history: int  # index into histories
    length: int  # engagements[:length] are the history of this example
    positive: str
    pool: int  # index into pools
    impression_id: str  # MIND ImpressionID; Goodreads "<user>#<position>"


@dataclass(frozen=True)
class EvalImpression:
    history: int
    length: int
    candidates: tuple[str, ...]
    labels: tuple[int, ...]
    impression_id: str


@dataclass
class TrainExamples:
    histories: list[HistorySource]
    pools: list[NegativePool]
    examples: list[TrainExample]
    neg_ratio: int
    fill_catalog: tuple[str, ...] = ()  # items to fill short pools from (pools with exclude set)
    stats: dict[str, int] = field(default_factory=dict)

    def item_ids(self) -> set[str]:
        """Every item an example can touch (histories, positives, pools, fill catalog)."""
        ids = set(self.fill_catalog)
        for h in self.histories:
            ids.update(h.engagements)
        for p in self.pools:
            ids.update(p.items)
        ids.update(e.positive for e in self.examples)
        return ids


@dataclass
class EvalImpressions:
    histories: list[HistorySource]
    impressions: list[EvalImpression]
    stats: dict[str, int] = field(default_factory=dict)

    def item_ids(self) -> set[str]:
        ids: set[str] = set()
        for h in self.histories:
            ids.update(h.engagements)
        for imp in self.impressions:
            ids.update(imp.candidates)
        return ids


def example_rng(seed: int, epoch: int, index: int) -> random.Random:
    """The RNG of one example in one epoch (string seeds are hashed with sha512: stable across
    processes and Python runs, unlike ``hash()``)."""
    return random.Random(f"embsum-neg/{seed}/{epoch}/{index}")


def sample_negatives(
    pool: NegativePool,
    k: int,
    rng: random.Random,
    fill_catalog: Sequence[str] = (),
    positive: str | None = None,
) -> list[str]:
    """``k`` negatives: without replacement from the pool; if it is short, all of it (shuffled),
    then (only when ``pool.exclude`` is set) distinct catalog items outside ``exclude``.

    May return fewer than ``k`` (the pool is short and there is nothing to fill from); never
    returns ``positive`` or a duplicate.
    """
    items = [i for i in pool.items if i != positive] if positive in pool.items else list(pool.items)
    if len(items) >= k:
        return rng.sample(items, k)
    chosen = items[:]
    rng.shuffle(chosen)
    if pool.exclude is None or not fill_catalog:
        return chosen
    taken = set(chosen)
    if positive is not None:
        taken.add(positive)
    tries = 0
    while len(chosen) < k and tries < 50 * k:
        tries += 1
        cand = fill_catalog[rng.randrange(len(fill_catalog))]
        if cand in taken or cand in pool.exclude:
            continue
        taken.add(cand)
        chosen.append(cand)
    return chosen
