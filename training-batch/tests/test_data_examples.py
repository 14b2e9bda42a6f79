"""Training examples and evaluation impressions: MIND clicks/negatives, history replay."""

from __future__ import annotations

from collections import Counter

import pytest

from data_fixtures import NEWS, shared_tokenizer, small_config, write_mind
from embsum.data import (
    NegativePool,
    TrainDataset,
    build_token_store,
    history_entries,
    load_mind,
    mind_eval_impressions,
    mind_train_examples,
    news_items,
    read_mind_behaviors,
    read_mind_news,
    sample_negatives,
    text_config_for,
)
from embsum.data.examples import example_rng
from embsum.text.paths import MIND_DIR


@pytest.fixture
def fixture_rows(tmp_path):
    write_mind(tmp_path)
    return read_mind_news(tmp_path / "news.tsv"), read_mind_behaviors(tmp_path / "behaviors.tsv")


def _valid(news, cfg):
    return {i for i, it in news_items(news).items() if it.has_text(cfg)}


def test_train_examples_fixture(fixture_rows):
    news, rows = fixture_rows
    cfg = small_config()
    valid = _valid(news, cfg)
    assert valid == {r[0] for r in NEWS} - {"N8"}
    ex = mind_train_examples(rows, valid, neg_ratio=4)
    got = [(e.impression_id, e.positive, ex.pools[e.pool].items) for e in ex.examples]
    assert got == [
        ("1", "N4", ("N5", "N6")),
        ("2", "N7", ("N1", "N5")),
        ("2", "N3", ("N1", "N5")),
        ("4", "N7", ("N2", "N3", "N4", "N5", "N6")),
    ]
    st = ex.stats
    assert st["impressions"] == 5 and st["clicks"] == 6 and st["examples"] == 4
    assert (
        st["impressions_without_negatives"] == 1 and st["clicks_skipped_no_negatives"] == 1
    )  # row 3
    assert st["clicks_unknown_item"] == 1  # row 5 clicked N8
    assert st["examples_short_negatives"] == 3  # rows 1, 2, 2
    assert st["examples_empty_history"] == 2  # row 2's clicks
    # the two clicks of row 2 share one pool and one history
    assert (
        ex.examples[1].pool == ex.examples[2].pool
        and ex.examples[1].history == ex.examples[2].history
    )
    # rows 1 and 4 (same user, same History) share one history source
    assert ex.examples[0].history == ex.examples[3].history


def test_eval_impressions_fixture(fixture_rows):
    news, rows = fixture_rows
    valid = _valid(news, small_config())
    ev = mind_eval_impressions(rows, valid)
    assert [(i.impression_id, i.candidates, i.labels) for i in ev.impressions] == [
        ("1", ("N4", "N5", "N6"), (1, 0, 0)),
        ("2", ("N1", "N7", "N3", "N5"), (0, 1, 1, 0)),
        ("4", ("N2", "N3", "N4", "N5", "N6", "N7"), (0, 0, 0, 0, 0, 1)),
    ]
    # row 3 has no non-click; row 5 lost its only click (N8 has no text)
    assert ev.stats["impressions_one_class"] == 2 and ev.stats["candidates_unknown"] == 1
    kept = mind_eval_impressions(rows, valid, require_both_labels=False)
    assert [i.impression_id for i in kept.impressions] == ["1", "2", "3", "4", "5"]
    assert kept.impressions[4].candidates == ("N1", "N2")


def test_history_replay_drops_unknown_items_before_seq(fixture_rows):
    news, rows = fixture_rows
    cfg = small_config(p=2)
    store = build_token_store(news_items(news), shared_tokenizer(), cfg)
    assert "N8" in store.invalid and "N8" not in store
    # U4: "N4 N9 N4 N5": N9 unknown (never accepted, no seq), N4 repeated (moves to newest)
    assert history_entries(rows[4].history, store, cfg) == [("N4", 1), ("N5", 2)]
    small = small_config(H=2)
    assert history_entries(rows[0].history, store, small) == [("N2", 1), ("N3", 2)]


def test_sample_negatives_rules():
    rng = example_rng(0, 0, 0)
    pool = NegativePool(("a", "b", "c", "d", "e", "f"))
    for k in range(1, 7):
        got = sample_negatives(pool, k, rng)
        assert len(got) == k == len(set(got)) and set(got) <= set(pool.items)
    # short pool without fill: all of it, no duplicates (the batch pads the rest)
    assert sorted(sample_negatives(NegativePool(("a", "b")), 4, rng)) == ["a", "b"]
    # short pool with fill: catalog items outside exclude, distinct, never the positive
    pool = NegativePool(("a",), exclude=frozenset({"a", "p", "x"}))
    for seed in range(20):
        got = sample_negatives(
            pool, 3, example_rng(seed, 0, 0), ("a", "p", "x", "y", "z", "w"), "p"
        )
        assert got[0] == "a" and len(got) == 3 == len(set(got)) and set(got[1:]) <= {"y", "z", "w"}
    # the draw is a function of (seed, epoch, index)
    pool = NegativePool(tuple("abcdefghij"))
    draws = {tuple(sample_negatives(pool, 4, example_rng(1, e, 7))) for e in range(10)}
    assert len(draws) > 1
    assert sample_negatives(pool, 4, example_rng(1, 3, 7)) == sample_negatives(
        pool, 4, example_rng(1, 3, 7)
    )


def test_real_negatives_come_from_the_same_impression():
    corpus = load_mind(MIND_DIR)
    rows = corpus.splits["train"][:400]
    cfg = text_config_for(p=4)
    items = news_items(corpus.news)
    valid = set(items)
    ex = mind_train_examples(rows, valid, neg_ratio=4)
    by_id = {r.impression_id: r for r in rows}
    needed = ex.item_ids() & valid
    store = build_token_store([items[i] for i in sorted(needed)], shared_tokenizer(), cfg)
    ds = TrainDataset(ex, store, cfg, seed=3)
    sizes = Counter()
    for epoch in range(3):
        for index, e in enumerate(ex.examples):
            imp = by_id[e.impression_id]
            negs = ds.negatives(index, epoch)
            assert e.positive in imp.clicked
            assert set(negs) <= set(imp.not_clicked), (e.impression_id, negs)
            assert len(negs) == len(set(negs)) == min(4, len(imp.not_clicked))
            sizes[len(negs)] += 1
    assert sizes[4] > 0 and sum(v for k, v in sizes.items() if k < 4) > 0
    # epochs draw different negatives for the same example (pool of > 4)
    big = next(i for i, e in enumerate(ex.examples) if len(by_id[e.impression_id].not_clicked) > 8)
    assert len({tuple(ds.negatives(big, e)) for e in range(5)}) > 1
    # and the sample is what __getitem__ returns
    s = ds[(2, big)]
    assert s.items == [ex.examples[big].positive] + ds.negatives(big, 2)


def test_real_sample_train_example_counts():
    corpus = load_mind(MIND_DIR)
    ex = mind_train_examples(corpus.splits["train"], set(corpus.news), neg_ratio=4)
    st = ex.stats
    assert (
        st["examples"],
        st["impressions_without_negatives"],
        st["examples_short_negatives"],
        st["examples_empty_history"],
    ) == (4782, 0, 430, 94)
    dev = mind_eval_impressions(corpus.splits["dev"], set(corpus.news))
    test = mind_eval_impressions(corpus.splits["test"], set(corpus.news))
    assert (len(dev.impressions), len(test.impressions)) == (416, 401)
