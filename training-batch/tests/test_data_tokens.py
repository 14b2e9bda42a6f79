"""Item tokens: computed once, equal to the contract's, disk cache reused and invalidated."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from data_fixtures import NEWS, shared_tokenizer, small_config, write_mind
from embsum.data import ItemText, build_token_store, news_items, read_mind_news, token_cache_key
from embsum.text import content_tokens, item_tokens


class NoEncode:
    """A tokenizer that must not be used for encoding (proves the cache was read)."""

    def __init__(self, real):
        self.real = real
        self.calls = 0

    def sha256(self):
        return self.real.sha256()

    def encode(self, text):
        self.calls += 1
        raise AssertionError(f"tokenised {text!r} although the cache holds it")


@pytest.fixture
def items(tmp_path):
    return news_items(read_mind_news(write_mind(tmp_path / "mind") / "news.tsv"))


def test_store_matches_the_contract(items):
    tok, cfg = shared_tokenizer(), small_config()
    store = build_token_store(items, tok, cfg)
    assert store.stats == {"reused": 0, "tokenized": len(NEWS), "invalid": 1, "cache_file": None}
    assert store.invalid == {"N8"} and len(store) == len(NEWS) - 1
    for row in NEWS[:-1]:
        news_id, category, _, title, abstract = row[:5]
        assert store.item(news_id).tolist() == item_tokens(
            tok, cfg, "news", title, abstract, category
        )
        assert store.content(news_id).tolist() == content_tokens(
            tok, cfg, "news", title, abstract, category
        )
    assert store.lists["N1"] == store.item("N1").tolist()
    with pytest.raises(KeyError):
        store.item("N8")


def test_disk_cache_reused_and_invalidated(items, tmp_path):
    tok, cfg = shared_tokenizer(), small_config()
    cache = tmp_path / "cache"
    first = build_token_store(items, tok, cfg, cache_dir=cache)
    assert first.stats["tokenized"] == len(NEWS) and first.stats["reused"] == 0
    files = list(cache.glob("tokens-*.npz"))
    assert len(files) == 1 and str(files[0]) == first.stats["cache_file"]
    mtime = files[0].stat().st_mtime_ns

    # second run: everything from the cache, the tokenizer is never asked to encode
    guard = NoEncode(tok)
    second = build_token_store(items, guard, cfg, cache_dir=cache)
    assert (
        guard.calls == 0 and second.stats["reused"] == len(NEWS) and second.stats["tokenized"] == 0
    )
    assert second.invalid == {"N8"}
    for i in second.ids:
        assert np.array_equal(second.item(i), first.item(i))
    assert files[0].stat().st_mtime_ns == mtime  # nothing new: not rewritten

    # H, p, l do not change item tokens: same cache file
    reused = build_token_store(items, NoEncode(tok), small_config(p=1, H=10), cache_dir=cache)
    assert reused.stats["reused"] == len(NEWS)

    # a config change that changes item tokens: a new key, everything tokenised again
    short = small_config(item_max_tokens=8)
    third = build_token_store(items, tok, short, cache_dir=cache)
    assert third.stats["tokenized"] == len(NEWS) and third.stats["reused"] == 0
    assert third.stats["cache_file"] != first.stats["cache_file"]
    assert max(len(third.item(i)) for i in third.ids) == 8
    assert third.item("N1").tolist() == first.item("N1").tolist()[:8]

    # one item's text changes: only that item is tokenised again
    changed = dict(items)
    changed["N3"] = dataclasses.replace(items["N3"], title="Stocks slump on Monday")
    fourth = build_token_store(changed, tok, cfg, cache_dir=cache)
    assert fourth.stats["tokenized"] == 1 and fourth.stats["reused"] == len(NEWS) - 1
    assert fourth.item("N3").tolist() == item_tokens(
        tok, cfg, "news", "Stocks slump on Monday", "Markets rose sharply.", "finance"
    )

    # a new item is added to the same file, the old ones stay reusable
    more = dict(changed, N99=ItemText("N99", "news", "Fresh headline"))
    assert build_token_store(more, tok, cfg, cache_dir=cache).stats["tokenized"] == 1
    assert (
        build_token_store(more, NoEncode(tok), cfg, cache_dir=cache).stats["reused"]
        == len(NEWS) + 1
    )

    # a corrupt file is rebuilt, not trusted
    files[0].write_bytes(b"not an npz")
    assert build_token_store(items, tok, cfg, cache_dir=cache).stats["tokenized"] == len(NEWS)


def test_cache_key_covers_tokenizer_and_item_config():
    cfg = small_config()
    key = token_cache_key("a" * 64, cfg)
    assert key == token_cache_key("a" * 64, small_config())
    assert key != token_cache_key("b" * 64, cfg)
    assert key != token_cache_key("a" * 64, small_config(item_max_tokens=100))
    assert key != token_cache_key("a" * 64, small_config(sos_id=32098))
    assert key == token_cache_key("a" * 64, small_config(p=2, H=30, l=512))
    from embsum.text import Clause

    clauses = dict(cfg.clauses, book=(Clause("Book Title:", "title", 20),))
    assert key != token_cache_key("a" * 64, dataclasses.replace(cfg, clauses=clauses))
