"""MIND reader, layouts, by-user splits, and the real sample's counts (docs/data.md)."""

from __future__ import annotations

from datetime import datetime

import pytest

from data_fixtures import BEHAVIORS, NEWS, write_mind
from embsum.data import load_mind, read_mind_behaviors, read_mind_news
from embsum.data.mind import parse_impressions
from embsum.data.prepare import mind_split_counts
from embsum.data.split import DEV_TEST_SPLIT, assign_split, split_by_user, user_bucket
from embsum.text.paths import MIND_DIR


def test_news_fixture_parses_all_columns(tmp_path):
    news = read_mind_news(write_mind(tmp_path) / "news.tsv")
    assert list(news) == [r[0] for r in NEWS]
    n1 = news["N1"]
    assert (n1.category, n1.subcategory, n1.title, n1.abstract, n1.url) == (
        "sports",
        "football",
        "Team wins the final",
        "A late goal decides it.",
        "https://x/1",
    )
    assert news["N2"].abstract == ""  # empty field kept as stored
    assert news["N8"].title == "   "  # raw; cleaning is the text contract's job


def test_behaviors_fixture(tmp_path):
    rows = read_mind_behaviors(write_mind(tmp_path) / "behaviors.tsv")
    assert [r.impression_id for r in rows] == ["1", "2", "3", "4", "5"]
    r1 = rows[0]
    assert r1.user_id == "U1"
    assert r1.time == datetime(2019, 11, 12, 14, 14, 46)
    assert r1.history == ("N1", "N2", "N3")
    assert r1.candidates == ("N4", "N5", "N6") and r1.labels == (1, 0, 0)
    assert r1.clicked == ("N4",) and r1.not_clicked == ("N5", "N6")
    # empty History column -> empty tuple; two clicks
    assert rows[1].history == () and rows[1].clicked == ("N7", "N3")
    # 12 AM is midnight
    assert rows[2].time == datetime(2019, 11, 14, 0, 0, 0)
    # the clicked item is the only candidate
    assert rows[2].candidates == ("N6",) and rows[2].labels == (1,) and rows[2].not_clicked == ()
    # repeated history ids are kept as read (dedupe is the history rule's job)
    assert rows[4].history == ("N4", "N9", "N4", "N5")
    # identical History strings share one tuple object
    assert rows[0].history is rows[3].history


def test_unlabelled_and_bad_impressions():
    assert parse_impressions("N1 N2") == (("N1", "N2"), None)
    assert parse_impressions("N1-1 N22-0") == (("N1", "N22"), (1, 0))
    for bad in ("N1-2", "N1-1 N2", "-1", ""):
        with pytest.raises(ValueError):
            parse_impressions(bad)


def test_bad_rows_name_file_and_line(tmp_path):
    (tmp_path / "behaviors.tsv").write_text("1\tU1\t11/12/2019 2:14:46 PM\tN1\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"behaviors.tsv:1: expected 5"):
        read_mind_behaviors(tmp_path / "behaviors.tsv")
    (tmp_path / "b2.tsv").write_text("1\tU1\t2019-11-12\tN1\tN2-1\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"b2.tsv:1"):
        read_mind_behaviors(tmp_path / "b2.tsv")
    (tmp_path / "news.tsv").write_text("N1\tnews\tTitle\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"news.tsv:1: expected 8"):
        read_mind_news(tmp_path / "news.tsv")


def test_split_is_deterministic_by_user_and_salted():
    users = [f"U{i}" for i in range(4000)]
    names = [assign_split(u) for u in users]
    assert names == [assign_split(u) for u in users]
    share = {n: names.count(n) / len(users) for n in ("train", "dev", "test")}
    assert (
        0.77 < share["train"] < 0.83 and 0.08 < share["dev"] < 0.12 and 0.08 < share["test"] < 0.12
    )
    # a different salt gives a different assignment
    assert names != [assign_split(u, salt="other") for u in users]
    assert 0 <= user_bucket("U1") < 10_000
    # rows of one user always land together, whatever the row order
    rows = [(u, i) for i, u in enumerate(users[:200] * 3)]
    a = split_by_user(rows, lambda r: r[0])
    b = split_by_user(list(reversed(rows)), lambda r: r[0])
    assert {n: sorted(v) for n, v in a.items()} == {n: sorted(v) for n, v in b.items()}
    with pytest.raises(ValueError):
        split_by_user(rows, lambda r: r[0], (("a", 0.5), ("b", 0.4)))


def test_flat_layout_fixture(tmp_path):
    corpus = load_mind(write_mind(tmp_path))
    assert corpus.layout == "flat" and set(corpus.splits) == {"train", "dev", "test"}
    assert sum(len(v) for v in corpus.splits.values()) == len(BEHAVIORS)
    for name, rows in corpus.splits.items():
        assert all(assign_split(r.user_id) == name for r in rows)


def test_official_layout_train_and_dev_dirs(tmp_path):
    write_mind(tmp_path / "train", behaviors=BEHAVIORS[:2])
    dev_rows = [
        (str(100 + i), f"D{i}", "11/15/2019 1:00:00 PM", "N1", "N2-1 N3-0") for i in range(60)
    ]
    write_mind(tmp_path / "dev", news=NEWS[:3], behaviors=dev_rows)
    corpus = load_mind(tmp_path)
    assert corpus.layout == "official"
    assert [r.impression_id for r in corpus.splits["train"]] == ["1", "2"]
    dev_users = {r.user_id for r in corpus.splits["dev"]}
    test_users = {r.user_id for r in corpus.splits["test"]}
    assert dev_users and test_users and not dev_users & test_users
    assert dev_users | test_users == {f"D{i}" for i in range(60)}
    assert all(assign_split(u, DEV_TEST_SPLIT) == "dev" for u in dev_users)
    assert len(corpus.news) == len(NEWS)  # union of both news files
    # MIND's own folder names work too
    (tmp_path / "train").rename(tmp_path / "MINDsmall_train")
    (tmp_path / "dev").rename(tmp_path / "MINDsmall_dev")
    assert load_mind(tmp_path).layout == "official"
    # a train/ without dev/ is an error, not a silent flat read
    (tmp_path / "MINDsmall_dev").rename(tmp_path / "elsewhere")
    with pytest.raises(FileNotFoundError, match="no dev split"):
        load_mind(tmp_path)


def test_real_mind_sample_counts():
    """The numbers documented in docs/data.md ("Splits")."""
    corpus = load_mind(MIND_DIR)
    assert corpus.layout == "flat" and len(corpus.news) == 51_282
    counts = {n: mind_split_counts(rows) for n, rows in corpus.splits.items()}
    assert counts == {
        "train": {
            "impressions": 3208,
            "users": 2967,
            "clicks": 4782,
            "candidates": 121_120,
            "empty_history": 62,
        },
        "dev": {
            "impressions": 416,
            "users": 387,
            "clicks": 633,
            "candidates": 15_729,
            "empty_history": 7,
        },
        "test": {
            "impressions": 401,
            "users": 377,
            "clicks": 636,
            "candidates": 14_817,
            "empty_history": 17,
        },
    }
    # PROVENANCE.md totals: 4,025 impressions, 3,731 users, 6,051 clicks, 151,666 candidates
    assert sum(c["impressions"] for c in counts.values()) == 4025
    assert sum(c["users"] for c in counts.values()) == 3731
    assert sum(c["clicks"] for c in counts.values()) == 6051
    assert sum(c["candidates"] for c in counts.values()) == 151_666
    users = {n: {r.user_id for r in rows} for n, rows in corpus.splits.items()}
    assert not users["train"] & users["dev"] and not users["train"] & users["test"]
    assert not users["dev"] & users["test"]
