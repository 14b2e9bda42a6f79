"""Readers for the real data samples the golden file is built from (data/mind, data/goodreads).

Why separate from golden.py: the golden file must be reproducible from committed inputs, so
reading is kept minimal and literal — field values are passed on exactly as stored (including
empty strings, mojibake and embedded newlines); cleaning them is the contract's job, and the
golden file is meant to exercise it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from embsum.text.paths import GOODREADS_DIR, MIND_DIR


@dataclass(frozen=True)
class NewsRow:
    """One MIND news.tsv row (only the columns the text contract uses)."""

    news_id: str
    category: str
    title: str
    abstract: str


@dataclass(frozen=True)
class BehaviorRow:
    """One MIND behaviors.tsv row: a user's click history (oldest -> newest) at impression time."""

    impression_id: str
    user_id: str
    history: tuple[str, ...]


@dataclass(frozen=True)
class BookRow:
    """One goodbooks-10k book with its Open Library description (``None``: no row for it)."""

    book_id: str
    title: str
    description: str | None


def read_mind_news(path: Path = MIND_DIR / "news.tsv") -> dict[str, NewsRow]:
    """news.tsv (TAB separated, no header, 8 columns) -> rows by NewsID, in file order."""
    rows: dict[str, NewsRow] = {}
    with open(path, encoding="utf-8", newline="") as fh:
        for n, line in enumerate(fh, 1):
            cols = line.rstrip("\n").split("\t")
            if len(cols) != 8:
                raise ValueError(f"{path}:{n}: expected 8 TAB-separated columns, got {len(cols)}")
            news_id, category, _sub, title, abstract = cols[:5]
            rows.setdefault(news_id, NewsRow(news_id, category, title, abstract))
    return rows


def read_mind_behaviors(path: Path = MIND_DIR / "behaviors.tsv") -> list[BehaviorRow]:
    """behaviors.tsv (TAB separated, no header, 5 columns) -> rows in file order."""
    rows: list[BehaviorRow] = []
    with open(path, encoding="utf-8", newline="") as fh:
        for n, line in enumerate(fh, 1):
            cols = line.rstrip("\n").split("\t")
            if len(cols) != 5:
                raise ValueError(f"{path}:{n}: expected 5 TAB-separated columns, got {len(cols)}")
            rows.append(BehaviorRow(cols[0], cols[1], tuple(cols[3].split())))
    return rows


def read_goodreads_books(directory: Path = GOODREADS_DIR) -> dict[str, BookRow]:
    """Books.csv joined with book_descriptions.csv -> books by book_id, in Books.csv order."""
    descriptions: dict[str, str] = {}
    with open(directory / "book_descriptions.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):  # fields may span lines: csv handles the quoting
            descriptions[row["book_id"]] = row["description"]
    books: dict[str, BookRow] = {}
    with open(directory / "Books.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            book_id = row["book_id"]
            books[book_id] = BookRow(book_id, row["title"], descriptions.get(book_id))
    return books


def read_goodreads_positive_histories(directory: Path = GOODREADS_DIR) -> dict[str, list[str]]:
    """Ratings.csv -> user_id -> book ids rated > 3, in file order.

    goodbooks-10k has no timestamps and the file is sorted by book_id, so this "history order"
    is an approximation (see data/goodreads/PROVENANCE.md). Users are in order of first rating.
    """
    histories: dict[str, list[str]] = {}
    with open(directory / "Ratings.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if int(row["rating"]) > 3:
                histories.setdefault(row["user_id"], []).append(row["book_id"])
    return histories
