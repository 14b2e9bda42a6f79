"""One call from a data directory to train/dev/test datasets (what the trainer uses).

    data = prepare_mind("data/mind", text_config=text_config_for(model_config))
    loader = make_train_loader(data.train, batch_size=32)

Steps: read -> split by user -> examples (ids only) -> tokenise the items they touch once
(disk cache) -> datasets. ``stats`` holds every count the steps produce (docs/data.md).
:func:`prepare_archive` reads the event archive instead and splits by day (no test split).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from embsum.data.archive import ArchiveError, read_archive
from embsum.data.archive_examples import labelled_impressions, split_by_day
from embsum.data.dataset import EvalDataset, TrainDataset
from embsum.data.examples import EvalImpressions, TrainExamples
from embsum.data.goodreads import load_goodreads, timeline_counts, user_timelines
from embsum.data.goodreads_examples import (
    goodreads_catalog,
    goodreads_eval_impressions,
    goodreads_train_examples,
)
from embsum.data.items import ItemText, archive_items, book_items, news_items
from embsum.data.mind import Impression, load_mind
from embsum.data.mind_examples import mind_eval_impressions, mind_train_examples
from embsum.data.split import SAMPLE_SPLIT, SPLIT_SALT, split_by_user
from embsum.data.tokens import TokenStore, build_token_store, default_cache_dir
from embsum.text import TextConfig, TextTokenizer
from embsum.text.paths import GOODREADS_DIR, MIND_DIR

DEFAULT = "default"


@dataclass
class PreparedData:
    domain: str  # "news" | "book"
    text_config: TextConfig
    tokens: TokenStore
    train: TrainDataset
    dev: EvalDataset
    test: EvalDataset | None  # None: the event archive has train and dev days only
    split_rule: str
    stats: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # approximations to report with results
    items: dict[str, ItemText] | None = (
        None  # item texts, when not re-readable from a data directory
    )


def _datasets(
    train: TrainExamples,
    dev: EvalImpressions,
    test: EvalImpressions | None,
    store: TokenStore,
    cfg: TextConfig,
    seed: int,
) -> tuple[TrainDataset, EvalDataset, EvalDataset | None]:
    """The train, dev and test datasets of the examples, on one token store."""
    return (
        TrainDataset(train, store, cfg, seed=seed),
        EvalDataset(dev, store, cfg),
        None if test is None else EvalDataset(test, store, cfg),
    )


def _cache(cache_dir) -> Path | None:
    if cache_dir == DEFAULT:
        return default_cache_dir()
    return Path(cache_dir) if cache_dir else None


def mind_split_counts(rows: Sequence[Impression]) -> dict[str, int]:
    """Raw counts of one split: rows, users, clicks, candidates, rows with empty history."""
    return {
        "impressions": len(rows),
        "users": len({r.user_id for r in rows}),
        "clicks": sum(len(r.clicked) for r in rows),
        "candidates": sum(len(r.candidates) for r in rows),
        "empty_history": sum(not r.history for r in rows),
    }


def prepare_mind(
    root: str | Path = MIND_DIR,
    *,
    tokenizer: TextTokenizer | None = None,
    text_config: TextConfig | None = None,
    neg_ratio: int = 4,
    seed: int = 0,
    cache_dir: str | Path | None = DEFAULT,
    salt: str = SPLIT_SALT,
) -> PreparedData:
    cfg = (text_config or TextConfig()).validate()
    tokenizer = tokenizer or TextTokenizer()
    corpus = load_mind(root, salt=salt)
    items = news_items(corpus.news)
    valid = {i for i, it in items.items() if it.has_text(cfg)}
    train = mind_train_examples(corpus.splits["train"], valid, neg_ratio)
    dev = mind_eval_impressions(corpus.splits["dev"], valid)
    test = mind_eval_impressions(corpus.splits["test"], valid)
    needed = (train.item_ids() | dev.item_ids() | test.item_ids()) & valid
    store = build_token_store(
        [items[i] for i in sorted(needed)], tokenizer, cfg, cache_dir=_cache(cache_dir)
    )
    stats = {
        "layout": corpus.layout,
        "news": len(corpus.news),
        "items_tokenized": len(store),
        "token_cache": store.stats,
        "splits": {n: mind_split_counts(rows) for n, rows in corpus.splits.items()},
        "train_examples": train.stats,
        "dev_impressions": dev.stats,
        "test_impressions": test.stats,
    }
    return PreparedData(
        "news", cfg, store, *_datasets(train, dev, test, store, cfg, seed), corpus.split_rule, stats
    )


def prepare_goodreads(
    path: str | Path = GOODREADS_DIR,
    *,
    tokenizer: TextTokenizer | None = None,
    text_config: TextConfig | None = None,
    neg_ratio: int = 2,
    min_history: int = 1,
    holdout: float = 0.2,
    seed: int = 0,
    cache_dir: str | Path | None = DEFAULT,
    salt: str = SPLIT_SALT,
    fractions: Sequence[tuple[str, float]] = SAMPLE_SPLIT,
) -> PreparedData:
    cfg = (text_config or TextConfig()).validate()
    tokenizer = tokenizer or TextTokenizer()
    corpus = load_goodreads(path)
    items = book_items(corpus.books)
    valid = {i for i, it in items.items() if it.has_text(cfg)}
    timelines = user_timelines(corpus)
    by_split = split_by_user(list(timelines), lambda u: u, fractions, salt)
    parts = {name: {u: timelines[u] for u in users} for name, users in by_split.items()}
    catalog = goodreads_catalog(timelines, valid)
    train = goodreads_train_examples(
        parts["train"], valid, neg_ratio=neg_ratio, min_history=min_history, fill_catalog=catalog
    )
    dev = goodreads_eval_impressions(
        parts["dev"], valid, holdout=holdout, neg_ratio=neg_ratio, fill_catalog=catalog, seed=seed
    )
    test = goodreads_eval_impressions(
        parts["test"], valid, holdout=holdout, neg_ratio=neg_ratio, fill_catalog=catalog, seed=seed
    )
    needed = (train.item_ids() | dev.item_ids() | test.item_ids()) & valid
    store = build_token_store(
        [items[i] for i in sorted(needed, key=lambda b: (len(b), b))],
        tokenizer,
        cfg,
        cache_dir=_cache(cache_dir),
    )
    notes = []
    if not corpus.has_timestamps:
        notes.append(
            f"{corpus.source}: ratings have no timestamps; history order is the file order"
            " (an approximation: 'latest 60', sessions and leave-later-out follow it)"
        )
    rule = "/".join(f"{n} {f:.0%}" for n, f in fractions)
    stats = {
        "source": corpus.source,
        "books": len(corpus.books),
        "items_tokenized": len(store),
        "dropped": corpus.dropped,
        "token_cache": store.stats,
        "splits": {n: timeline_counts(p) for n, p in parts.items()},
        "train_examples": train.stats,
        "dev_impressions": dev.stats,
        "test_impressions": test.stats,
    }
    return PreparedData(
        "book",
        cfg,
        store,
        *_datasets(train, dev, test, store, cfg, seed),
        f"users split {rule} (sha256 '{salt}:'+user_id)",
        stats,
        notes,
    )


def prepare_archive(
    root: str | Path,
    *,
    tokenizer: TextTokenizer | None = None,
    text_config: TextConfig | None = None,
    neg_ratio: int = 4,
    seed: int = 0,
    cache_dir: str | Path | None = DEFAULT,
    dev_days: int = 1,
) -> PreparedData:
    """The event archive (embsum.data.archive) as train (every day but the newest) and dev (the
    newest day); examples by the MIND rules (embsum.data.archive_examples). No test split."""
    cfg = (text_config or TextConfig()).validate()
    tokenizer = tokenizer or TextTokenizer()
    archive = read_archive(root)
    if not archive.impressions:
        raise ArchiveError(
            f"{root}: no impressions in the archive (impressions/dt=*/ holds "
            f"{archive.stats['files']['impressions']} part files): training examples need what "
            "was shown; archive the impressions topic too"
        )
    if not archive.content:
        raise ArchiveError(
            f"{root}: no content items in the archive (content/dt=*/ is empty): item texts come "
            "from the content topic; archive it too"
        )
    items = archive_items(archive.content)
    domains = sorted({it.domain for it in items.values()})
    if len(domains) > 1:
        raise ArchiveError(
            f"{root}: the content mixes domains {domains}; train one model per domain"
        )
    rows, label_stats = labelled_impressions(archive)
    split = split_by_day(rows, dev_days)
    valid = {i for i, it in items.items() if it.has_text(cfg)}
    train = mind_train_examples(split.train, valid, neg_ratio)
    if not train.examples:
        raise ArchiveError(
            f"{root}: no training examples in {split.describe()}: no impression of the training "
            "days has a click on a known item and a shown, not clicked one "
            f"(counts: {train.stats})"
        )
    dev = mind_eval_impressions(split.dev, valid)
    if not dev.impressions:
        raise ArchiveError(
            f"{root}: the dev day {split.dev_days[-1]} has no impression with both a click and a "
            f"non-click on known items, so no model can be evaluated (counts: {dev.stats})"
        )
    needed = (train.item_ids() | dev.item_ids()) & valid
    store = build_token_store(
        [items[i] for i in sorted(needed)], tokenizer, cfg, cache_dir=_cache(cache_dir)
    )
    per_day: dict[str, dict[str, int]] = {}
    for r in rows:
        d = per_day.setdefault(r.time.date().isoformat(), {"impressions": 0, "clicks": 0})
        d["impressions"] += 1
        d["clicks"] += len(r.clicked)
    stats = {
        "archive": archive.stats,
        "content_items": len(archive.content),
        "items_with_text": len(valid),
        "items_tokenized": len(store),
        "token_cache": store.stats,
        "labels": label_stats,
        "days": per_day,
        "train_days": [d.isoformat() for d in split.train_days],
        "dev_days": [d.isoformat() for d in split.dev_days],
        "splits": {"train": mind_split_counts(split.train), "dev": mind_split_counts(split.dev)},
        "train_examples": train.stats,
        "dev_impressions": dev.stats,
    }
    notes = []
    if archive.stats["partition_mismatch"]:
        notes.append(
            f"{archive.stats['partition_mismatch']} archived records sit in a dt= directory other than "
            "their own UTC date; they were used on their own date"
        )
    return PreparedData(
        domains[0] if domains else "news",
        cfg,
        store,
        *_datasets(train, dev, None, store, cfg, seed),
        split.describe(),
        stats,
        notes,
        items,
    )
