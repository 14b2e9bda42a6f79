"""MIND readers: the official ``news.tsv`` / ``behaviors.tsv`` format and directory layouts.

Format (msnews.github.io, both files TAB separated, UTF-8, no header):

- ``news.tsv``: NewsID, Category, SubCategory, Title, Abstract, URL, TitleEntities,
  AbstractEntities (8 columns; empty fields are empty strings).
- ``behaviors.tsv``: ImpressionID, UserID, Time (``11/12/2019 2:14:46 PM``), History (NewsIDs
  separated by spaces, oldest -> newest, possibly empty), Impressions (``N1-1 N2-0 ...``:
  ``-1`` clicked, ``-0`` not clicked; MIND's unlabelled test split has bare ids).

Layouts accepted by :func:`load_mind` (docs/data.md):

- *official*: ``<root>/train/`` and ``<root>/dev/`` (or MIND's own ``MINDsmall_train/`` and
  ``MINDsmall_dev/``), each with ``news.tsv`` + ``behaviors.tsv``. train = the train split; the
  dev split is divided by user into dev and test (paper section 3).
- *flat*: ``<root>/news.tsv`` + ``<root>/behaviors.tsv`` (the shared sample under data/mind,
  which holds train behaviors only): split by user 80/10/10 into train/dev/test.

Field values are kept exactly as stored (cleaning is the text contract's job).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Sequence

from embsum.data.split import DEV_TEST_SPLIT, SAMPLE_SPLIT, SPLIT_SALT, split_by_user

TIME_FORMAT = "%m/%d/%Y %I:%M:%S %p"

#: Sub-directory names tried, in order, for the official layout.
TRAIN_DIRS = ("train", "MINDsmall_train")
DEV_DIRS = ("dev", "MINDsmall_dev")


@dataclass(frozen=True)
class NewsItem:
    """One news.tsv row (the entity columns are not used by EmbSum and are not kept)."""

    news_id: str
    category: str
    subcategory: str
    title: str
    abstract: str
    url: str


@dataclass(frozen=True)
class Impression:
    """One behaviors.tsv row: what ``user_id`` was shown at ``time``, with the click history
    it had then (oldest -> newest) and the labels (``None`` for an unlabelled test row)."""

    impression_id: str
    user_id: str
    time: datetime
    history: tuple[str, ...]
    candidates: tuple[str, ...]
    labels: tuple[int, ...] | None

    @property
    def clicked(self) -> tuple[str, ...]:
        if self.labels is None:
            return ()
        return tuple(c for c, y in zip(self.candidates, self.labels) if y == 1)

    @property
    def not_clicked(self) -> tuple[str, ...]:
        if self.labels is None:
            return ()
        return tuple(c for c, y in zip(self.candidates, self.labels) if y == 0)


def _lines(path: Path):
    with open(path, encoding="utf-8", newline="") as fh:
        for n, line in enumerate(fh, 1):
            line = line.rstrip("\r\n")
            if line:  # a trailing empty line is not a row
                yield n, line


def read_mind_news(path: str | Path) -> dict[str, NewsItem]:
    """news.tsv -> items by NewsID in file order (a repeated NewsID keeps its first row)."""
    path = Path(path)
    items: dict[str, NewsItem] = {}
    for n, line in _lines(path):
        cols = line.split("\t")
        if len(cols) != 8:
            raise ValueError(f"{path}:{n}: expected 8 TAB-separated columns, got {len(cols)}")
        if not cols[0]:
            raise ValueError(f"{path}:{n}: empty NewsID")
        items.setdefault(cols[0], NewsItem(*cols[:6]))
    return items


def parse_time(text: str) -> datetime:
    """MIND's ``M/D/YYYY h:mm:ss AM|PM`` -> naive datetime (MIND does not name a time zone)."""
    return datetime.strptime(text, TIME_FORMAT)


def parse_impressions(text: str) -> tuple[tuple[str, ...], tuple[int, ...] | None]:
    """``"N1-1 N2-0"`` -> (("N1", "N2"), (1, 0)); ``"N1 N2"`` (unlabelled) -> (ids, None)."""
    tokens = text.split()
    if not tokens:
        raise ValueError("empty Impressions field")
    if all("-" not in t for t in tokens):
        return tuple(tokens), None
    ids, labels = [], []
    for token in tokens:
        item, sep, label = token.rpartition("-")
        if not sep or not item or label not in ("0", "1"):
            raise ValueError(f"bad impression entry {token!r}: expected NewsID-0 or NewsID-1")
        ids.append(item)
        labels.append(int(label))
    return tuple(ids), tuple(labels)


def read_mind_behaviors(path: str | Path) -> list[Impression]:
    """behaviors.tsv -> impressions in file order.

    Identical History strings share one tuple (in MIND a user's History is the same in all of
    their rows of a split), which keeps the full MIND-small train (157K rows) small in memory.
    """
    path = Path(path)
    rows: list[Impression] = []
    histories: dict[str, tuple[str, ...]] = {}
    for n, line in _lines(path):
        cols = line.split("\t")
        if len(cols) != 5:
            raise ValueError(f"{path}:{n}: expected 5 TAB-separated columns, got {len(cols)}")
        impression_id, user_id, time_text, history_text, impressions_text = cols
        if not user_id:
            raise ValueError(f"{path}:{n}: empty UserID")
        try:
            time = parse_time(time_text)
            candidates, labels = parse_impressions(impressions_text)
        except ValueError as err:
            raise ValueError(f"{path}:{n}: {err}") from None
        history = histories.get(history_text)
        if history is None:
            history = histories.setdefault(history_text, tuple(history_text.split()))
        rows.append(Impression(impression_id, user_id, time, history, candidates, labels))
    return rows


@dataclass
class MindCorpus:
    """News of all splits and the impressions of each split (``train``, ``dev``, ``test``)."""

    root: Path
    layout: str  # "official" | "flat"
    news: dict[str, NewsItem]
    splits: dict[str, list[Impression]]
    split_rule: str  # human-readable, recorded in run reports


def _find_dir(root: Path, names: Sequence[str]) -> Path | None:
    for name in names:
        d = root / name
        if (d / "behaviors.tsv").is_file() and (d / "news.tsv").is_file():
            return d
    return None


def load_mind(
    root: str | Path,
    *,
    salt: str = SPLIT_SALT,
    sample_split: Sequence[tuple[str, float]] = SAMPLE_SPLIT,
    dev_test_split: Sequence[tuple[str, float]] = DEV_TEST_SPLIT,
) -> MindCorpus:
    """Read a MIND directory in either layout (module docstring) into train/dev/test."""
    root = Path(root)
    train_dir = _find_dir(root, TRAIN_DIRS)
    if train_dir is not None:
        dev_dir = _find_dir(root, DEV_DIRS)
        if dev_dir is None:
            raise FileNotFoundError(
                f"{root}: found {train_dir.name}/ but no dev split ({' or '.join(DEV_DIRS)}/ with"
                f" news.tsv and behaviors.tsv)"
            )
        news = read_mind_news(train_dir / "news.tsv")
        for news_id, item in read_mind_news(dev_dir / "news.tsv").items():
            news.setdefault(news_id, item)
        dev_rows = read_mind_behaviors(dev_dir / "behaviors.tsv")
        splits = {"train": read_mind_behaviors(train_dir / "behaviors.tsv")}
        splits.update(split_by_user(dev_rows, lambda r: r.user_id, dev_test_split, salt))
        rule = (
            f"official: train = {train_dir.name}/; {dev_dir.name}/ split by user "
            f"{_describe(dev_test_split)} (sha256 '{salt}:'+user_id)"
        )
        return MindCorpus(root, "official", news, splits, rule)
    if (root / "behaviors.tsv").is_file() and (root / "news.tsv").is_file():
        news = read_mind_news(root / "news.tsv")
        rows = read_mind_behaviors(root / "behaviors.tsv")
        splits = split_by_user(rows, lambda r: r.user_id, sample_split, salt)
        rule = f"flat: behaviors.tsv split by user {_describe(sample_split)} (sha256 '{salt}:'+user_id)"
        return MindCorpus(root, "flat", news, splits, rule)
    raise FileNotFoundError(
        f"{root}: no MIND data: expected news.tsv + behaviors.tsv, or train/ and dev/ sub-directories"
        f" holding them"
    )


def _describe(fractions: Sequence[tuple[str, float]]) -> str:
    return "/".join(f"{name} {fraction:.0%}" for name, fraction in fractions)
