"""`--dataset synthetic`: a small, learnable, made-up dataset (tests and step/s benchmarks).

Not a stand-in for real data: its numbers mean nothing about recommendation quality. It exists
so the whole loop (DDP, resume, evaluation, report) can run in seconds without MIND, through
the *real* collators of embsum.data (TrainCollator / EvalCollator), so the batches have exactly
the layout the trainer sees in production.

The task: items belong to one of `topics`; an item's tokens are [SOS] + ids from its topic's
own id range. A user reads mostly one topic; the click is an unseen item of that topic, the
negatives come from other topics. The teacher "summary" is a fixed id string per topic. A tiny
model learns this in a few dozen steps, so loss and dev AUC move.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
from torch.utils.data import Dataset

from embsum.data.collate import EvalCollator, TrainCollator
from embsum.data.dataset import EvalSample, TrainSample
from embsum.text import TextConfig, group_sessions

SOS, EOS = 32099, 1


@dataclass
class SyntheticData:
    train: "SyntheticTrain"
    dev: "SyntheticEval"
    test: "SyntheticEval"
    summaries: dict[str, list[int]]
    text_config: TextConfig
    stats: dict

    def train_collate(
        self, max_summary_tokens: int = 128, with_summaries: bool = True
    ) -> TrainCollator:
        return TrainCollator(
            self.text_config, self.summaries if with_summaries else None, max_summary_tokens
        )

    def eval_collate(
        self, max_summary_tokens: int = 128, with_summaries: bool = True
    ) -> EvalCollator:
        return EvalCollator(
            self.text_config, self.summaries if with_summaries else None, max_summary_tokens
        )


class SyntheticTrain(Dataset):
    def __init__(self, samples: list[TrainSample]) -> None:
        self.samples = samples

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, key):
        _, index = key if isinstance(key, tuple) else (0, key)
        return self.samples[index]


class SyntheticEval(Dataset):
    def __init__(self, samples: list[EvalSample]) -> None:
        self.samples = samples

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> EvalSample:
        return self.samples[index]


def make_synthetic(
    n_train: int = 256,
    *,
    n_eval: int | None = None,
    seed: int = 0,
    p: int = 4,
    neg_ratio: int = 4,
    topics: int = 6,
    items_per_topic: int = 30,
    history: tuple[int, int] = (3, 9),
    eval_candidates: tuple[int, int] = (2, 6),
    summary_len: int = 4,
) -> SyntheticData:
    """Deterministic in `seed`. Train/dev/test users are disjoint (by construction)."""
    rng = random.Random(f"embsum-synthetic/{seed}")
    n_eval = n_eval if n_eval is not None else max(1, n_train // 4)
    cfg = TextConfig(p=p).validate()
    tokens: dict[str, tuple[int, ...]] = {}
    by_topic: list[list[str]] = []
    for t in range(topics):
        lo = 100 + 40 * t
        ids = []
        for k in range(items_per_topic):
            item = f"t{t}i{k}"
            tokens[item] = (SOS, *[rng.randrange(lo, lo + 40) for _ in range(rng.randint(2, 5))])
            ids.append(item)
        by_topic.append(ids)
    summary_of_topic = [[2000 + 10 * t + j for j in range(summary_len)] for t in range(topics)]

    def user(uid: str):
        topic = rng.randrange(topics)
        k = rng.randint(*history)
        hist = []
        for _ in range(k):
            t = topic if rng.random() < 0.85 else rng.randrange(topics)
            hist.append(rng.choice(by_topic[t]))
        hist = list(dict.fromkeys(hist))  # dedupe, keep order
        entries = [(item, seq) for seq, item in enumerate(hist)]
        sessions = group_sessions(entries, tokens, cfg)
        unseen = [i for i in by_topic[topic] if i not in hist]
        return topic, sessions, unseen

    def negatives(topic: int, k: int) -> list[str]:
        others = [i for t in range(topics) if t != topic for i in by_topic[t]]
        return rng.sample(others, k)

    def content(item: str) -> np.ndarray:
        return np.asarray(tokens[item] + (EOS,), dtype=np.int64)

    summaries: dict[str, list[int]] = {}
    train = []
    for i in range(n_train):
        uid = f"train-u{i}"
        topic, sessions, unseen = user(uid)
        summaries[uid] = summary_of_topic[topic]
        items = [rng.choice(unseen)] + negatives(topic, neg_ratio)
        train.append(
            TrainSample(uid, f"train-imp{i}", sessions, items, [content(x) for x in items])
        )

    def eval_split(name: str) -> list[EvalSample]:
        out = []
        for i in range(n_eval):
            uid = f"{name}-u{i}"
            topic, sessions, unseen = user(uid)
            summaries[uid] = summary_of_topic[topic]
            pos = rng.sample(unseen, rng.randint(1, 2))
            neg = negatives(topic, rng.randint(*eval_candidates))
            pairs = [(x, 1) for x in pos] + [(x, 0) for x in neg]
            rng.shuffle(pairs)
            items = [x for x, _ in pairs]
            out.append(
                EvalSample(
                    uid,
                    f"{name}-imp{i}",
                    sessions,
                    items,
                    [content(x) for x in items],
                    tuple(y for _, y in pairs),
                )
            )
        return out

    dev, test = eval_split("dev"), eval_split("test")
    stats = {
        "kind": "synthetic",
        "topics": topics,
        "items": len(tokens),
        "train_examples": n_train,
        "dev_impressions": n_eval,
        "test_impressions": n_eval,
    }
    return SyntheticData(
        SyntheticTrain(train), SyntheticEval(dev), SyntheticEval(test), summaries, cfg, stats
    )
