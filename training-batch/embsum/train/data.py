"""From a TrainConfig to what the loop consumes: train micro-batches, dev/test batches, stats.

Real data goes through embsum.data (readers, by-user split, token cache, datasets, collators)
and embsum.teacher (summaries for L_sum); this module only wires them together and shards them
over ranks (batches.py). Order of work with several ranks: rank 0 prepares first (it writes the
token cache and the teacher cache), the others wait, then read both caches.

Teacher summaries (one per user, token ids via TextTokenizer, cut to max_summary_tokens - 1 by
the collator): a training user's summary is written from the longest history among their
examples; a dev/test user's from the shortest history among their impressions (so it never
describes items after the impression being scored). Users with nothing to summarise get no
summary (their L_sum row is ignored).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from embsum.train import distributed as du
from embsum.train.batches import EvalSource, LoaderSource, TrainSource
from embsum.train.config import TrainConfig


@dataclass
class RunData:
    train: TrainSource
    dev: Iterable | None  # iterable of eval batches (this rank's shard), re-iterable
    test: Iterable | None
    stats: dict[str, Any] = field(default_factory=dict)
    teacher: dict[str, Any] = field(default_factory=dict)  # kind, model, users with a summary
    notes: list[str] = field(default_factory=list)


def build_run_data(cfg: TrainConfig, env: du.DistEnv, micro_batch_size: int) -> RunData:
    model_cfg = cfg.model_config()
    if cfg.dataset == "synthetic":
        return _synthetic(cfg, env, micro_batch_size, model_cfg.p)
    if env.is_main:
        out = _real(cfg, env, micro_batch_size, model_cfg)
    du.barrier(env)
    if not env.is_main:
        out = _real(cfg, env, micro_batch_size, model_cfg)
    du.barrier(env)
    return out


def _sources(
    cfg: TrainConfig,
    env: du.DistEnv,
    micro: int,
    train_ds,
    train_collate,
    dev_ds,
    test_ds,
    eval_collate,
) -> tuple[LoaderSource, EvalSource, EvalSource | None]:
    train = LoaderSource(
        train_ds,
        train_collate,
        micro,
        rank=env.rank,
        world_size=env.world_size,
        seed=cfg.seed,
        num_workers=cfg.num_workers,
    )
    dev = EvalSource(
        dev_ds,
        eval_collate,
        cfg.eval_batch_size,
        rank=env.rank,
        world_size=env.world_size,
        limit=cfg.eval_max_impressions,
        num_workers=min(cfg.num_workers, 1),
    )
    test = (
        None
        if test_ds is None
        else EvalSource(
            test_ds,
            eval_collate,
            cfg.eval_batch_size,
            rank=env.rank,
            world_size=env.world_size,
            num_workers=min(cfg.num_workers, 1),
        )
    )
    return train, dev, test


def _synthetic(cfg: TrainConfig, env: du.DistEnv, micro: int, p: int) -> RunData:
    from embsum.train.synthetic import make_synthetic

    syn = make_synthetic(
        cfg.synthetic_examples, seed=cfg.seed, p=p, neg_ratio=cfg.effective_neg_ratio
    )
    use = cfg.teacher != "none"
    train, dev, test = _sources(
        cfg,
        env,
        micro,
        syn.train,
        syn.train_collate(cfg.max_summary_tokens, use),
        syn.dev,
        syn.test,
        syn.eval_collate(cfg.max_summary_tokens, use),
    )
    teacher = {
        "kind": "synthetic" if use else None,
        "model": "per-topic id string" if use else None,
        "users": len(syn.summaries) if use else 0,
    }
    stats = {
        **syn.stats,
        "train": len(syn.train),
        "dev": len(dev.indices) * env.world_size,
        "test": len(syn.test),
        "split_rule": "synthetic: disjoint users by construction",
    }
    return RunData(
        train,
        dev,
        test,
        stats,
        teacher,
        ["synthetic data: metrics say nothing about recommendation quality"],
    )


def _real(cfg: TrainConfig, env: du.DistEnv, micro: int, model_cfg) -> RunData:
    from embsum.data import (
        EvalCollator,
        TrainCollator,
        prepare_archive,
        prepare_goodreads,
        prepare_mind,
        text_config_for,
    )
    from embsum.text import TextTokenizer
    from embsum.text.paths import GOODREADS_DIR, MIND_DIR

    t0 = time.perf_counter()
    text_cfg = text_config_for(model_cfg)
    tokenizer = TextTokenizer()
    cache = cfg.cache_dir if cfg.cache_dir is not None else "default"
    if cfg.dataset == "archive":
        prepare, root = prepare_archive, Path(cfg.data_dir)
    elif cfg.dataset == "mind":
        prepare, root = prepare_mind, Path(cfg.data_dir) if cfg.data_dir else MIND_DIR
    else:
        prepare, root = prepare_goodreads, Path(cfg.data_dir) if cfg.data_dir else GOODREADS_DIR
    prepared = prepare(
        root,
        tokenizer=tokenizer,
        text_config=text_cfg,
        neg_ratio=cfg.effective_neg_ratio,
        seed=cfg.seed,
        cache_dir=cache,
    )
    prepare_seconds = time.perf_counter() - t0
    summaries, teacher = (None, {"kind": None, "model": None, "users": 0})
    show = cfg.progress and env.is_main and sys.stderr.isatty()
    if cfg.teacher != "none":
        summaries, teacher = teacher_summaries(cfg, prepared, root, tokenizer, progress=show)
    teacher_seconds = time.perf_counter() - t0 - prepare_seconds
    train_ds, skipped = prepared.train, 0
    if cfg.skip_empty_history:
        keep = examples_with_history(prepared.train.examples, prepared.tokens)
        skipped = len(prepared.train) - len(keep)
        train_ds = KeyedSubset(prepared.train, keep)
    train, dev, test = _sources(
        cfg,
        env,
        micro,
        train_ds,
        TrainCollator(text_cfg, summaries, cfg.max_summary_tokens),
        prepared.dev,
        prepared.test,
        EvalCollator(text_cfg, summaries, cfg.max_summary_tokens),
    )
    stats = {
        "dataset": cfg.dataset,
        "data_dir": str(root),
        "split_rule": prepared.split_rule,
        "train": len(train_ds),
        "train_skipped_empty_history": skipped,
        "dev": len(prepared.dev),
        "test": len(prepared.test) if prepared.test is not None else 0,
        "dev_evaluated": min(len(prepared.dev), cfg.eval_max_impressions or len(prepared.dev)),
        "seconds": {"prepare": round(prepare_seconds, 3), "teacher": round(teacher_seconds, 3)},
        "details": prepared.stats,
    }
    return RunData(train, dev, test, stats, teacher, list(prepared.notes))


def examples_with_history(examples, tokens) -> list[int]:
    """Indices of training examples whose history holds at least one item with tokens."""
    keep = []
    for i, e in enumerate(examples.examples):
        src = examples.histories[e.history]
        if any(item in tokens for item in src.engagements[: e.length]):
            keep.append(i)
    return keep


class KeyedSubset:
    """A subset of a dataset indexed by `(epoch, index)` keys (TrainDataset): position i of the
    subset is original example `indices[i]`, so its negatives stay those of the original index."""

    def __init__(self, dataset, indices: list[int]) -> None:
        self.dataset, self.indices = dataset, indices

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, key):
        epoch, i = key if isinstance(key, tuple) else (0, key)
        return self.dataset[(epoch, self.indices[i])]


def _histories(prepared) -> dict[str, dict[str, tuple[str, ...]]]:
    """{split: {user: engagements}} as the module docstring describes."""
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    ex = prepared.train.examples
    longest: dict[str, tuple[str, ...]] = {}
    for e in ex.examples:
        src = ex.histories[e.history]
        h = src.engagements[: e.length]
        if len(h) > len(longest.get(src.user_id, ())):
            longest[src.user_id] = h
    out["train"] = longest
    for name, ds in (("dev", prepared.dev), ("test", prepared.test)):
        if ds is None:
            continue
        imps = ds.impressions
        shortest: dict[str, tuple[str, ...]] = {}
        for imp in imps.impressions:
            src = imps.histories[imp.history]
            h = src.engagements[: imp.length]
            if src.user_id not in shortest or len(h) < len(shortest[src.user_id]):
                shortest[src.user_id] = h
        out[name] = shortest
    return out


def teacher_summaries(
    cfg: TrainConfig, prepared, root: Path, tokenizer, progress: bool = True
) -> tuple[dict[str, list[int]], dict[str, Any]]:
    """{user_id: summary token ids} for the train/dev/test users, and a description of the teacher."""
    from embsum.teacher import (
        EngagedItem,
        LLMTeacher,
        SummaryCache,
        TemplateTeacher,
        generate_summaries,
    )

    if prepared.items is not None:  # e.g. the event archive: texts came with the data
        texts = prepared.items

        def item(i: str):
            t = texts.get(i)
            if t is None:
                return None
            if t.domain == "book":
                return EngagedItem.book(i, t.title, t.abstract)
            return EngagedItem(i, t.title, t.abstract, t.category)
    elif prepared.domain == "news":
        from embsum.data import load_mind

        news = load_mind(root).news

        def item(i: str):
            n = news.get(i)
            return None if n is None else EngagedItem(i, n.title, n.abstract, n.category)
    else:
        from embsum.data import load_goodreads

        books = load_goodreads(root).books

        def item(i: str):
            b = books.get(i)
            return None if b is None else EngagedItem.book(i, b.title, b.description)

    teacher = TemplateTeacher() if cfg.teacher == "template" else LLMTeacher.from_env()
    cache = SummaryCache(cfg.teacher_cache)
    ids: dict[str, list[int]] = {}
    counts = {}
    for split, users in _histories(prepared).items():
        todo = [
            (u, [x for x in (item(i) for i in h) if x is not None])
            for u, h in users.items()
            if u not in ids
        ]
        got = generate_summaries(
            todo,
            teacher,
            cache,
            workers=cfg.teacher_workers,
            domain=prepared.domain,
            progress=progress,
        )
        for u, s in got.items():
            toks = tokenizer.encode(s.text)
            if toks:
                ids[u] = toks
        counts[split] = len(got)
    return ids, {
        "kind": teacher.kind,
        "model": teacher.model,
        "users": len(ids),
        "per_split": counts,
    }
