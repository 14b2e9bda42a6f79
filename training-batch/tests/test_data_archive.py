"""embsum.data.archive / archive_examples / prepare_archive: the event archive as training data.

Two archives: the MIND sample converted by embsum.data.archive_sample (checked row by row
against the MIND rows it came from), and a handwritten one for the reader's rules
(redeliveries, content versions, deletions, ratings, clock skew, unfinished files).
"""

from __future__ import annotations

from datetime import date

import pytest

from archive_fixtures import (
    MAX_HISTORY,
    PER_DAY,
    at,
    click,
    content,
    day_part,
    expected_rows,
    handmade_archive,
    impression,
    sample_archive,
    sample_rows,
)
from data_fixtures import shared_tokenizer
from embsum.data import (
    ArchiveError,
    labelled_impressions,
    prepare_archive,
    read_archive,
    split_by_day,
)
from embsum.data.archive_sample import write_part


@pytest.fixture(scope="module")
def mind_archive(tmp_path_factory):
    return sample_archive(tmp_path_factory.mktemp("archive") / "a")


@pytest.fixture
def handmade(tmp_path):
    return handmade_archive(tmp_path / "h")


# --- the MIND sample as an archive -----------------------------------------------------------------
def test_sample_archive_layout_and_counts(mind_archive):
    rows = sample_rows()
    days = sorted({r.time.date().isoformat() for r in rows})
    assert days == [
        "2019-11-09",
        "2019-11-10",
        "2019-11-11",
        "2019-11-12",
        "2019-11-13",
        "2019-11-14",
    ]
    assert sorted(p.name for p in (mind_archive / "impressions").iterdir()) == [
        f"dt={d}" for d in days
    ]
    a = read_archive(mind_archive)
    users = {r.user_id: r for r in reversed(rows)}  # first row of each user
    assert len(a.impressions) == PER_DAY * 6 == len(rows)
    assert len(a.clicks) == sum(len(r.clicked) for r in rows) + sum(
        len(r.history[-MAX_HISTORY:]) for r in users.values()
    )
    referenced = {i for r in rows for i in r.candidates} | {
        i for r in users.values() for i in r.history[-MAX_HISTORY:]
    }
    assert set(a.content) == referenced
    assert a.stats["partition_mismatch"] == 0 and a.stats["duplicates"] == {
        "impressions": 0,
        "clicks": 0,
        "content_versions": 0,
    }


def test_sample_archive_gives_the_mind_rows_back(mind_archive):
    """Every impression: MIND's candidates and labels, and a history of MIND History + the user's
    clicks on earlier impressions, oldest first."""
    rows, st = labelled_impressions(read_archive(mind_archive))
    want = expected_rows()
    assert {r.impression_id for r in rows} == set(want)
    for r in rows:
        w = want[r.impression_id]
        assert (r.user_id, r.time.date().isoformat()) == (w["user"], w["day"])
        assert r.candidates == w["candidates"] and r.labels == w["labels"]
        assert r.history == w["history"], r.impression_id
    assert st["labels"] == sum(sum(w["labels"]) for w in want.values())
    assert sum(len(r.history) > MAX_HISTORY for r in rows) > 0  # some users clicked on earlier days


def test_split_is_by_day_newest_is_dev(mind_archive):
    rows, _ = labelled_impressions(read_archive(mind_archive))
    split = split_by_day(rows)
    assert split.dev_days == [date(2019, 11, 14)]
    assert split.train_days == [date(2019, 11, d) for d in range(9, 14)]
    assert {r.time.date() for r in split.dev} == {date(2019, 11, 14)}
    assert max(r.time for r in split.train).date() == date(2019, 11, 13)
    assert len(split.train) == 5 * PER_DAY and len(split.dev) == PER_DAY
    assert "train = 2019-11-09..2019-11-13 (5 days), dev = 2019-11-14" in split.describe()
    two = split_by_day(rows, dev_days=2)
    assert (
        two.dev_days == [date(2019, 11, 13), date(2019, 11, 14)] and len(two.train) == 4 * PER_DAY
    )


def test_prepare_archive_examples_match_the_mind_rules(mind_archive, tmp_path):
    data = prepare_archive(mind_archive, tokenizer=shared_tokenizer(), cache_dir=tmp_path / "tok")
    want = expected_rows()
    train_ids = [i for i, w in want.items() if w["day"] != "2019-11-14"]
    dev_ids = [i for i, w in want.items() if w["day"] == "2019-11-14"]
    # one example per click (every sample impression has a non-click), whole impressions for dev
    assert len(data.train) == sum(sum(want[i]["labels"]) for i in train_ids)
    assert len(data.dev) == len(dev_ids) and data.test is None
    assert data.stats["train_days"] == [f"2019-11-{d:02d}" for d in range(9, 14)]
    assert data.stats["dev_days"] == ["2019-11-14"]
    assert data.stats["days"]["2019-11-14"]["impressions"] == PER_DAY
    sample = data.dev[0]
    w = want[sample.impression_id]
    assert tuple(sample.items) == w["candidates"] and sample.labels == w["labels"]
    ex = data.train[(0, 0)]
    src = want[ex.impression_id]
    assert ex.items[0] in {c for c, y in zip(src["candidates"], src["labels"]) if y == 1}
    assert set(ex.items[1:]) <= {c for c, y in zip(src["candidates"], src["labels"]) if y == 0}
    assert data.items is not None and data.domain == "news"


# --- the reader's rules --------------------------------------------------------------------------
def test_reader_rules_on_a_handmade_archive(handmade):
    a = read_archive(handmade)
    assert a.stats["files"] == {"clicks": 3, "impressions": 3, "content": 2}
    assert a.stats["files_skipped"] == 2  # .inprogress and _SUCCESS
    assert a.stats["duplicates"] == {"impressions": 0, "clicks": 1, "content_versions": 2}
    assert a.stats["partition_mismatch"] == 1  # I3 in dt=2024-03-02
    assert len(a.clicks) == 9 and len(a.impressions) == 4
    assert a.content["B"].title == "Beta two"  # the latest version wins
    assert a.content["G"].deleted and a.stats["content_deleted"] == 1
    assert a.impression_days() == [date(2024, 3, 1), date(2024, 3, 2), date(2024, 3, 3)]

    rows, st = labelled_impressions(a)
    by_id = {r.impression_id: r for r in rows}
    assert [r.impression_id for r in rows] == ["I1", "I9", "I2", "I3"]  # time order
    assert by_id["I1"].labels == (1, 0, 0, 0)  # A clicked; B rated 2: not an engagement
    assert by_id["I1"].history == ("E",)
    assert by_id["I9"].labels == (0, 1) and by_id["I9"].history == ()
    assert by_id["I2"].labels == (0, 1, 0, 1, 0)  # D rated 5, F clicked
    assert by_id["I2"].history == ("E", "A")  # F answers I2: not its history
    assert by_id["I3"].history == ("E", "A", "F", "D", "A", "G")
    assert by_id["I3"].labels == (0, 1, 0, 0)
    assert st == {
        "clicks": 9,
        "engagements": 8,
        "clicks_not_engagement": 1,
        "clicks_without_impression": 2,
        "clicks_unknown_impression": 0,
        "clicks_not_shown": 1,
        "labels": 5,
    }


def test_prepare_archive_on_the_handmade_archive(handmade, tmp_path):
    data = prepare_archive(handmade, tokenizer=shared_tokenizer(), cache_dir=None)
    # train: I1 (A vs B,C,D), I9 (B vs A), I2 (D and F vs C,E; G is deleted: no text, dropped)
    assert len(data.train) == 4
    assert data.stats["train_examples"]["candidates_unknown"] == 1
    assert [s.impression_id for s in (data.dev[i] for i in range(len(data.dev)))] == ["I3"]
    assert "G" not in data.tokens and "B" in data.tokens
    assert data.items["B"].title == "Beta two"
    assert any("other than their own UTC date" in n for n in data.notes)


# --- errors --------------------------------------------------------------------------------------
def test_missing_and_empty_archives(tmp_path):
    with pytest.raises(ArchiveError, match="no such archive directory"):
        read_archive(tmp_path / "nope")
    (tmp_path / "e" / "clicks" / "dt=2024-03-01").mkdir(parents=True)
    (tmp_path / "e" / "clicks" / "dt=2024-03-01" / ".part-1.inprogress.2").write_bytes(b"x")
    with pytest.raises(ArchiveError, match="the archive is empty.*in progress"):
        read_archive(tmp_path / "e")


def test_no_impressions_no_content_one_day(tmp_path):
    only_clicks = tmp_path / "c"
    day_part(only_clicks, "clicks", "2024-03-01", [click("e", "U", "A", at(1))])
    day_part(only_clicks, "content", "2024-03-01", [content("A", "Alpha", at(1))])
    with pytest.raises(ArchiveError, match="no impressions in the archive"):
        prepare_archive(only_clicks, tokenizer=shared_tokenizer(), cache_dir=None)

    no_content = tmp_path / "n"
    day_part(no_content, "impressions", "2024-03-01", [impression("I", "U", "AB", at(1))])
    with pytest.raises(ArchiveError, match="no content items"):
        prepare_archive(no_content, tokenizer=shared_tokenizer(), cache_dir=None)

    one_day = tmp_path / "o"
    day_part(
        one_day,
        "impressions",
        "2024-03-01",
        [impression("I1", "U", "AB", at(1, 9)), impression("I2", "U", "AB", at(1, 17))],
    )
    day_part(one_day, "clicks", "2024-03-01", [click("e", "U", "A", at(1, 9, 1), "I1")])
    day_part(
        one_day,
        "content",
        "2024-03-01",
        [content("A", "Alpha", at(1)), content("B", "Beta", at(1))],
    )
    with pytest.raises(
        ArchiveError, match=r"1 day\(s\) only \(2024-03-01\).*dev set.*at least 2 days"
    ):
        prepare_archive(one_day, tokenizer=shared_tokenizer(), cache_dir=None)


def test_a_dev_day_without_clicks_is_refused(tmp_path):
    root = tmp_path / "d"
    day_part(root, "impressions", "2024-03-01", [impression("I1", "U", "AB", at(1))])
    day_part(root, "impressions", "2024-03-02", [impression("I2", "U", "AB", at(2))])
    day_part(root, "clicks", "2024-03-01", [click("e", "U", "A", at(1, 12, 0, 1), "I1")])
    day_part(
        root, "content", "2024-03-01", [content("A", "Alpha", at(1)), content("B", "Beta", at(1))]
    )
    with pytest.raises(
        ArchiveError, match="dev day 2024-03-02 has no impression with both a click and a non-click"
    ):
        prepare_archive(root, tokenizer=shared_tokenizer(), cache_dir=None)


def test_wrong_record_type_corrupt_file_and_bad_layout(tmp_path):
    wrong = tmp_path / "w"
    write_part(
        wrong / "impressions" / "dt=2024-03-01" / "p.avro",
        "ClickEvent",
        [click("e", "U", "A", at(1))],
    )
    with pytest.raises(
        ArchiveError,
        match=r"p\.avro: holds dev\.embsum\.avro\.ClickEvent records, expected "
        r"dev\.embsum\.avro\.Impression",
    ):
        read_archive(wrong)
    corrupt = tmp_path / "x"
    (corrupt / "clicks" / "dt=2024-03-01").mkdir(parents=True)
    (corrupt / "clicks" / "dt=2024-03-01" / "part-0.avro").write_bytes(b"not avro at all")
    with pytest.raises(
        ArchiveError, match="part-0.avro: not a readable Avro object container file of ClickEvent"
    ):
        read_archive(corrupt)
    layout = tmp_path / "l"
    (layout / "clicks" / "2024-03-01").mkdir(parents=True)
    with pytest.raises(ArchiveError, match="expected only dt=YYYY-MM-DD directories"):
        read_archive(layout)


def test_train_cli_reports_archive_errors(tmp_path, capsys):
    from embsum.train.cli import main

    rc = main(
        [
            "--dataset",
            "archive",
            "--data-dir",
            str(tmp_path / "nope"),
            "--model",
            "tiny",
            "--num-workers",
            "0",
            "--output-dir",
            str(tmp_path / "run"),
            "--no-progress",
        ]
    )
    assert rc == 2 and "no such archive directory" in capsys.readouterr().err
