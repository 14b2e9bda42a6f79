"""MIND impressions -> training examples and evaluation impressions (docs/data.md).

Training: every click of an impression is one example: the clicked item (candidate 0) plus
``neg_ratio`` (4) items drawn without replacement from the *same impression's* non-clicked
items. An impression with fewer non-clicks gives all of them and the batch pads the rest (no
duplicates: a repeated negative would count twice in the softmax); an impression with no
non-click at all gives no example (skipped, counted). Evaluation: the whole impression.

Items missing from news.tsv (or without any text) are dropped: from candidates here, from
histories when sessions are built. The history of an example is the row's History column.
"""

from __future__ import annotations

from typing import Container, Iterable

from embsum.data.examples import (
    EvalImpression,
    EvalImpressions,
    HistorySource,
    NegativePool,
    TrainExample,
    TrainExamples,
)
from embsum.data.mind import Impression


class _Histories:
    def __init__(self) -> None:
        self.sources: list[HistorySource] = []
        self._index: dict[tuple[str, tuple[str, ...]], int] = {}

    def get(self, user_id: str, history: tuple[str, ...]) -> int:
        key = (user_id, history)
        i = self._index.get(key)
        if i is None:
            i = self._index[key] = len(self.sources)
            self.sources.append(HistorySource(user_id, history))
        return i


def _history_stats(sources: list[HistorySource], valid: Container[str]) -> dict[str, int]:
    return {
        "histories": len(sources),
        "users": len({s.user_id for s in sources}),
        "history_items_unknown": sum(i not in valid for s in sources for i in s.engagements),
    }


def mind_train_examples(
    impressions: Iterable[Impression], valid: Container[str], neg_ratio: int = 4
) -> TrainExamples:
    """One example per click (module docstring). ``valid``: item ids that have text."""
    if neg_ratio < 1:
        raise ValueError(f"neg_ratio must be >= 1, got {neg_ratio}")
    hist = _Histories()
    pools: list[NegativePool] = []
    examples: list[TrainExample] = []
    st = dict.fromkeys(
        (
            "impressions",
            "impressions_unlabelled",
            "impressions_without_click",
            "impressions_without_negatives",
            "clicks",
            "clicks_skipped_no_negatives",
            "clicks_unknown_item",
            "candidates_unknown",
            "examples",
            "examples_short_negatives",
            "examples_empty_history",
        ),
        0,
    )
    for imp in impressions:
        st["impressions"] += 1
        if imp.labels is None:
            st["impressions_unlabelled"] += 1
            continue
        st["candidates_unknown"] += sum(c not in valid for c in imp.candidates)
        clicked = imp.clicked
        st["clicks"] += len(clicked)
        if not clicked:
            st["impressions_without_click"] += 1
            continue
        negatives = tuple(c for c in imp.not_clicked if c in valid)
        if not negatives:
            st["impressions_without_negatives"] += 1
            st["clicks_skipped_no_negatives"] += len(clicked)
            continue
        h = hist.get(imp.user_id, imp.history)
        pool = len(pools)
        pools.append(NegativePool(negatives))
        for item in clicked:
            if item not in valid:
                st["clicks_unknown_item"] += 1
                continue
            examples.append(TrainExample(h, len(imp.history), item, pool, imp.impression_id))
            st["examples_short_negatives"] += len(negatives) < neg_ratio
            st["examples_empty_history"] += not any(i in valid for i in imp.history)
    st["examples"] = len(examples)
    used = [hist.sources[i] for i in sorted({e.history for e in examples})]
    st.update({f"train_{k}": v for k, v in _history_stats(used, valid).items()})
    return TrainExamples(hist.sources, pools, examples, neg_ratio, (), st)


def mind_eval_impressions(
    impressions: Iterable[Impression], valid: Container[str], *, require_both_labels: bool = True
) -> EvalImpressions:
    """Whole impressions (candidates in shown order, labels 1/0) for AUC/MRR/nDCG.

    With ``require_both_labels`` (default) an impression without a click or without a
    non-click is skipped (AUC is undefined there; embsum.metrics skips it too) and counted.
    """
    hist = _Histories()
    out: list[EvalImpression] = []
    st = dict.fromkeys(
        (
            "impressions",
            "impressions_unlabelled",
            "impressions_one_class",
            "candidates",
            "candidates_unknown",
            "clicks",
            "eval_impressions",
        ),
        0,
    )
    for imp in impressions:
        st["impressions"] += 1
        if imp.labels is None:
            st["impressions_unlabelled"] += 1
            continue
        pairs = [(c, y) for c, y in zip(imp.candidates, imp.labels) if c in valid]
        st["candidates_unknown"] += len(imp.candidates) - len(pairs)
        labels = tuple(y for _, y in pairs)
        if not pairs or (require_both_labels and (1 not in labels or 0 not in labels)):
            st["impressions_one_class"] += 1
            continue
        st["candidates"] += len(pairs)
        st["clicks"] += sum(labels)
        out.append(
            EvalImpression(
                hist.get(imp.user_id, imp.history),
                len(imp.history),
                tuple(c for c, _ in pairs),
                labels,
                imp.impression_id,
            )
        )
    st["eval_impressions"] = len(out)
    st.update({f"eval_{k}": v for k, v in _history_stats(hist.sources, valid).items()})
    return EvalImpressions(hist.sources, out, st)
