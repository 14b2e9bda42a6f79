"""The shipped real samples (data/mind, data/goodreads) as the golden file and the preview read
them: the project's one set of readers (embsum.data) with the sample paths as defaults.

Field values come through exactly as stored (empty strings, mojibake, embedded newlines):
cleaning them is the text contract's job, and the golden file is meant to exercise it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from embsum.data.goodreads import Book, read_goodbooks
from embsum.data.mind import Impression, NewsItem
from embsum.data.mind import read_mind_behaviors as _read_behaviors
from embsum.data.mind import read_mind_news as _read_news
from embsum.text.paths import GOODREADS_DIR, MIND_DIR

# The row types embsum.golden.text_contract and preview.py use (only their id and text fields are read).
NewsRow = NewsItem
BehaviorRow = Impression
BookRow = Book


def read_mind_news(path: Path = MIND_DIR / "news.tsv") -> dict[str, NewsRow]:
    """news.tsv -> rows by NewsID, in file order."""
    return _read_news(path)


def read_mind_behaviors(path: Path = MIND_DIR / "behaviors.tsv") -> list[BehaviorRow]:
    """behaviors.tsv -> rows in file order (History oldest -> newest)."""
    return _read_behaviors(path)


@lru_cache(maxsize=2)
def _goodbooks(directory: Path):
    # the golden generator asks for the books and the histories: parse the three CSV files once.
    return read_goodbooks(directory)


def read_goodreads_books(directory: Path = GOODREADS_DIR) -> dict[str, BookRow]:
    """Books.csv joined with book_descriptions.csv -> books by book_id, in Books.csv order."""
    return _goodbooks(Path(directory)).books


def read_goodreads_positive_histories(directory: Path = GOODREADS_DIR) -> dict[str, list[str]]:
    """Ratings.csv -> user_id -> book ids rated > 3, in file order.

    goodbooks-10k has no timestamps and the file is sorted by book_id, so this "history order"
    is an approximation (see data/goodreads/PROVENANCE.md). Users are in order of first rating.
    """
    histories: dict[str, list[str]] = {}
    for rating in _goodbooks(Path(directory)).ratings:
        if rating.rating > 3:
            histories.setdefault(rating.user_id, []).append(rating.book_id)
    return histories
