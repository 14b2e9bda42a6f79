"""Goodreads ratings -> training examples and evaluation impressions (docs/data.md).

Paper rule: rating > 3 positive (an accepted engagement), < 3 negative, == 3 unused.

Training (leave-later-out, per user, over the user's time-ordered positives p_0..p_{n-1}): each
positive p_i with i >= ``min_history`` is a target whose history is p_0..p_{i-1} (only earlier
positives: nothing later leaks in; the window keeps the newest 60). Negatives (``neg_ratio`` 2)
are drawn without replacement from the same user's ratings < 3; when the user has fewer, the
rest are books the user never rated (any rating, 3 included), drawn uniformly from the catalog
(every book with text that someone in the data rated).

Evaluation (users of the dev/test split): the user's ratings other than 3 in time order; the
last ``ceil(holdout * n)`` (at least 1) are held out and form one impression (candidates = the
held-out books, label = rating > 3), the history is the positives before them. An impression
without a positive is skipped; one without a negative gets ``neg_ratio`` unrated catalog books
per positive as label-0 candidates (counted as ``impressions_filled``). Candidates are shuffled
with a per-user seed so that the time order (goodbooks: book_id order) cannot leak into tie
breaking.
"""

from __future__ import annotations

import math
import random
from typing import Container, Mapping, Sequence

from embsum.data.examples import (
    EvalImpression,
    EvalImpressions,
    HistorySource,
    NegativePool,
    TrainExample,
    TrainExamples,
    sample_negatives,
)
from embsum.data.goodreads import Rating


def goodreads_catalog(
    timelines: Mapping[str, Sequence[Rating]], valid: Container[str]
) -> tuple[str, ...]:
    """Books with text that appear in any rating, sorted by id (the fill pool for negatives)."""
    books = {r.book_id for rs in timelines.values() for r in rs if r.book_id in valid}
    return tuple(sorted(books, key=lambda b: (len(b), b)))


def goodreads_train_examples(
    timelines: Mapping[str, Sequence[Rating]],
    valid: Container[str],
    *,
    neg_ratio: int = 2,
    min_history: int = 1,
    fill_catalog: Sequence[str] = (),
) -> TrainExamples:
    """Leave-later-out examples of every user in ``timelines`` (module docstring)."""
    if neg_ratio < 1 or min_history < 0:
        raise ValueError(
            f"need neg_ratio >= 1 and min_history >= 0, got {neg_ratio}, {min_history}"
        )
    histories: list[HistorySource] = []
    pools: list[NegativePool] = []
    examples: list[TrainExample] = []
    st = dict.fromkeys(
        (
            "users",
            "users_without_examples",
            "ratings",
            "ratings_unknown_book",
            "positives",
            "negatives",
            "rating_3_unused",
            "targets_short_history",
            "examples",
            "examples_filled_negatives",
        ),
        0,
    )
    for user, timeline in timelines.items():
        st["users"] += 1
        st["ratings"] += len(timeline)
        known = [r for r in timeline if r.book_id in valid]
        st["ratings_unknown_book"] += len(timeline) - len(known)
        positives = tuple(r.book_id for r in known if r.rating > 3)
        negatives = tuple(r.book_id for r in known if r.rating < 3)
        st["positives"] += len(positives)
        st["negatives"] += len(negatives)
        st["rating_3_unused"] += sum(r.rating == 3 for r in known)
        st["targets_short_history"] += min(min_history, len(positives))
        if len(positives) <= min_history:
            st["users_without_examples"] += 1
            continue
        h = len(histories)
        histories.append(HistorySource(user, positives))
        p = len(pools)
        pools.append(NegativePool(negatives, frozenset(r.book_id for r in timeline)))
        for i in range(min_history, len(positives)):
            examples.append(TrainExample(h, i, positives[i], p, f"{user}#{i}"))
            st["examples_filled_negatives"] += len(negatives) < neg_ratio
    st["examples"] = len(examples)
    return TrainExamples(histories, pools, examples, neg_ratio, tuple(fill_catalog), st)


def goodreads_eval_impressions(
    timelines: Mapping[str, Sequence[Rating]],
    valid: Container[str],
    *,
    holdout: float = 0.2,
    neg_ratio: int = 2,
    fill_catalog: Sequence[str] = (),
    seed: int = 0,
) -> EvalImpressions:
    """One held-out impression per user (module docstring)."""
    if not 0 < holdout < 1:
        raise ValueError(f"holdout must be in (0, 1), got {holdout}")
    histories: list[HistorySource] = []
    out: list[EvalImpression] = []
    st = dict.fromkeys(
        (
            "users",
            "users_too_few_ratings",
            "impressions_without_positive",
            "impressions_without_negative",
            "impressions_filled",
            "candidates",
            "clicks",
            "eval_impressions",
        ),
        0,
    )
    for user, timeline in timelines.items():
        st["users"] += 1
        rated = [r for r in timeline if r.book_id in valid and r.rating != 3]
        if len(rated) < 2:
            st["users_too_few_ratings"] += 1
            continue
        cut = len(rated) - max(1, math.ceil(holdout * len(rated)))
        held = rated[cut:]
        cands = [r.book_id for r in held]
        labels = [int(r.rating > 3) for r in held]
        n_pos = sum(labels)
        if n_pos == 0:
            st["impressions_without_positive"] += 1
            continue
        rng = random.Random(f"embsum-gr-eval/{seed}/{user}")
        if n_pos == len(labels):
            pool = NegativePool((), frozenset(r.book_id for r in timeline))
            fill = sample_negatives(pool, neg_ratio * n_pos, rng, fill_catalog)
            if not fill:
                st["impressions_without_negative"] += 1
                continue
            cands += fill
            labels += [0] * len(fill)
            st["impressions_filled"] += 1
        order = list(range(len(cands)))
        rng.shuffle(order)
        h = len(histories)
        histories.append(HistorySource(user, tuple(r.book_id for r in rated[:cut] if r.rating > 3)))
        out.append(
            EvalImpression(
                h,
                len(histories[h].engagements),
                tuple(cands[i] for i in order),
                tuple(labels[i] for i in order),
                f"{user}#eval",
            )
        )
        st["candidates"] += len(cands)
        st["clicks"] += n_pos
    st["eval_impressions"] = len(out)
    return EvalImpressions(histories, out, st)
