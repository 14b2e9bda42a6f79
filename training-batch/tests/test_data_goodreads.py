"""Goodreads readers (goodbooks-10k sample, UCSD files) and the rating -> example rules."""

from __future__ import annotations

import gzip
import json

import pytest

from data_fixtures import shared_tokenizer, small_config, write_goodbooks
from embsum.data import (
    TrainDataset,
    book_items,
    build_token_store,
    goodreads_catalog,
    goodreads_eval_impressions,
    goodreads_train_examples,
    load_goodreads,
    read_goodbooks,
    read_ucsd_goodreads,
    user_timelines,
)
from embsum.data.goodreads import parse_time, timeline_counts
from embsum.data.split import split_by_user
from embsum.text.paths import GOODREADS_DIR


@pytest.fixture
def corpus(tmp_path):
    return read_goodbooks(write_goodbooks(tmp_path))


def _valid(corpus, cfg):
    return {i for i, it in book_items(corpus.books).items() if it.has_text(cfg)}


def test_goodbooks_reader(corpus):
    assert corpus.source == "goodbooks-10k" and not corpus.has_timestamps
    assert corpus.books["1"].description == "A girl volunteers.\nSecond line of the blurb."
    assert corpus.books["3"].description is None  # no description row
    assert len(corpus.ratings) == 11
    tl = user_timelines(corpus)
    assert list(tl) == ["10", "20", "30"]  # order of first rating
    assert [r.book_id for r in tl["10"]] == ["1", "2", "3", "4", "5", "6", "9"]  # file order
    assert timeline_counts(tl) == {"users": 3, "positives": 7, "negatives": 2, "rating_3_unused": 2}


def test_book_text_uses_the_book_template(corpus):
    cfg = small_config()
    items = book_items(corpus.books)
    assert _valid(corpus, cfg) == {"1", "2", "3", "4", "5", "6", "7"}  # 9 has no text
    tok = shared_tokenizer()
    text = tok.decode(items["1"].tokens(tok, cfg)[1:])
    assert text.startswith("Book Title: The Hunger Games") and "; Book Description: A girl" in text
    long = items["1"].__class__("x", "book", "word " * 100, "blurb " * 300)
    ids = long.tokens(tok, cfg)
    title_ids = tok.encode("word " * 100)[:24]
    label = tok.encode("Book Title:")
    assert ids[: 1 + len(label) + 24] == [cfg.sos_id] + label + title_ids  # title cut at 24 tokens
    assert len(ids) == 1 + len(label) + 24 + len(tok.encode("; Book Description:")) + 85


def test_positive_negative_rules_and_leave_later_out(corpus):
    cfg = small_config()
    valid = _valid(corpus, cfg)
    tl = user_timelines(corpus)
    catalog = goodreads_catalog(tl, valid)
    assert catalog == ("1", "2", "3", "4", "5", "6", "7")
    ex = goodreads_train_examples(tl, valid, neg_ratio=2, min_history=1, fill_catalog=catalog)
    got = [
        (
            ex.histories[e.history].user_id,
            ex.histories[e.history].engagements[: e.length],
            e.positive,
        )
        for e in ex.examples
    ]
    # user 10: positives 1, 2, 5 (ratings 5, 4, 5; book 9 has no text; 3 is a 3; 4, 6 negative)
    # user 20: positives 1, 2, 7; user 30: only a 3 -> no example
    assert got == [
        ("10", ("1",), "2"),
        ("10", ("1", "2"), "5"),
        ("20", ("1",), "2"),
        ("20", ("1", "2"), "7"),
    ]
    assert ex.stats["users_without_examples"] == 1 and ex.stats["rating_3_unused"] == 2
    assert ex.stats["ratings_unknown_book"] == 1 and ex.stats["examples_filled_negatives"] == 2
    pools = [ex.pools[e.pool] for e in ex.examples]
    assert pools[0].items == ("4", "6")  # user 10's ratings < 3
    assert pools[2].items == ()  # user 20 has none
    assert pools[2].exclude == frozenset({"1", "2", "7"})
    store = build_token_store(book_items(corpus.books), shared_tokenizer(), cfg)
    ds = TrainDataset(ex, store, cfg, seed=0)
    for epoch in range(5):
        for i in range(len(ds)):
            s = ds[(epoch, i)]
            assert len(s.items) == 3 and len(set(s.items)) == 3
            if s.user_id == "10":
                assert set(s.items[1:]) == {"4", "6"}  # the user's own negatives
            else:
                assert set(s.items[1:]) <= {"3", "4", "5", "6"}  # books user 20 never rated
            # the history holds only positives earlier than the target
            hist = [i for sess in s.sessions for i in sess.item_ids]
            assert s.items[0] not in hist and set(hist) <= {"1", "2"}


def test_eval_impressions_hold_out_the_latest(corpus):
    cfg = small_config()
    valid = _valid(corpus, cfg)
    tl = user_timelines(corpus)
    catalog = goodreads_catalog(tl, valid)
    ev = goodreads_eval_impressions(tl, valid, holdout=0.5, neg_ratio=2, fill_catalog=catalog)
    imps = {ev.histories[i.history].user_id: i for i in ev.impressions}
    # user 10: rated != 3 in order 1:5 2:4 4:2 5:5 6:1 -> last ceil(2.5) = 3 held out
    u10 = imps["10"]
    assert dict(zip(u10.candidates, u10.labels)) == {"4": 0, "5": 1, "6": 0}
    assert ev.histories[u10.history].engagements[: u10.length] == ("1", "2")
    # user 20: held-out 2, 7 are both positive -> 2 x 2 unrated books added as label 0
    u20 = imps["20"]
    pairs = dict(zip(u20.candidates, u20.labels))
    assert {k for k, v in pairs.items() if v == 1} == {"2", "7"}
    assert {k for k, v in pairs.items() if v == 0} == {"3", "4", "5", "6"}
    assert ev.stats["impressions_filled"] == 1 and ev.stats["users_too_few_ratings"] == 1  # user 30
    again = goodreads_eval_impressions(tl, valid, holdout=0.5, neg_ratio=2, fill_catalog=catalog)
    assert again.impressions == ev.impressions


def test_ucsd_json_and_csv_formats(tmp_path):
    lines = [
        {
            "user_id": "ua",
            "book_id": "11",
            "rating": 5,
            "date_added": "Mon Aug 01 13:41:57 -0700 2016",
        },
        {
            "user_id": "ua",
            "book_id": "12",
            "rating": 0,
            "date_added": "Tue Aug 02 10:00:00 -0700 2016",
        },
        {
            "user_id": "ua",
            "book_id": "13",
            "rating": 2,
            "date_added": "Sun Jan 10 09:00:00 -0800 2016",
        },
        {
            "user_id": "ub",
            "book_id": "11",
            "rating": 4,
            "date_added": "Mon Aug 01 13:41:57 -0700 2016",
            "timestamp": 1262304000,
        },
    ]
    inter = tmp_path / "goodreads_interactions_dedup.json.gz"
    with gzip.open(inter, "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps(x) + "\n" for x in lines)
    books = tmp_path / "goodreads_books.json.gz"
    with gzip.open(books, "wt", encoding="utf-8") as fh:
        for b, t in (("11", "Alpha"), ("12", "Beta"), ("13", "Gamma")):
            fh.write(json.dumps({"book_id": b, "title": t, "description": f"About {t}."}) + "\n")
    c = load_goodreads(tmp_path)
    assert c.source == "ucsd" and c.has_timestamps and c.dropped == {"rating_0": 1}
    assert c.books["13"].description == "About Gamma."
    tl = user_timelines(c)
    assert [r.book_id for r in tl["ua"]] == ["13", "11"]  # sorted by date_added, not file
    assert tl["ub"][0].time == 1262304000.0  # 'timestamp' wins over date_added
    assert parse_time("Mon Aug 01 13:41:57 -0700 2016") == 1470084117.0
    assert parse_time("1470084117000") == 1470084117.0 and parse_time("") is None
    with pytest.raises(ValueError):
        parse_time("yesterday")
    # the CSV summary: integer ids mapped back with book_id_map.csv, no times -> file order
    (tmp_path / "inter.csv").write_text(
        "user_id,book_id,is_read,rating,is_reviewed\n0,1,1,5,0\n0,0,1,2,0\n0,2,0,0,0\n",
        encoding="utf-8",
    )
    (tmp_path / "book_id_map.csv").write_text(
        "book_id_csv,book_id\n0,11\n1,13\n2,12\n", encoding="utf-8"
    )
    c2 = read_ucsd_goodreads(
        tmp_path / "inter.csv", books, book_id_map=tmp_path / "book_id_map.csv"
    )
    assert [(r.book_id, r.rating) for r in c2.ratings] == [("13", 5), ("11", 2)]
    assert not c2.has_timestamps and c2.dropped == {"rating_0": 1}


def test_real_goodbooks_sample_counts():
    c = load_goodreads(GOODREADS_DIR)
    tl = user_timelines(c)
    # data/goodreads/PROVENANCE.md: 164,728 ratings of 1,192 users; 107,100 / 15,098 / 42,530
    assert len(c.ratings) == 164_728
    assert timeline_counts(tl) == {
        "users": 1192,
        "positives": 107_100,
        "negatives": 15_098,
        "rating_3_unused": 42_530,
    }
    parts = split_by_user(list(tl), lambda u: u)
    assert {n: len(v) for n, v in parts.items()} == {"train": 949, "dev": 124, "test": 119}
    valid = set(c.books)
    train = goodreads_train_examples({u: tl[u] for u in parts["train"]}, valid, neg_ratio=2)
    assert train.stats["examples"] == 84_368 and train.stats["examples_filled_negatives"] == 21_340
