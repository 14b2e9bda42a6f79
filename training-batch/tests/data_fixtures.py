"""Fixtures of the embsum.data tests: small handwritten MIND and Goodreads directories.

Kept out of conftest.py (like text_fixtures.py) so test areas do not share fixture names.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from embsum.text import TextConfig, TextTokenizer

TAB = "\t"

#: news.tsv rows: NewsID, Category, SubCategory, Title, Abstract, URL, TitleEntities, AbstractEntities
NEWS = [
    (
        "N1",
        "sports",
        "football",
        "Team wins the final",
        "A late goal decides it.",
        "https://x/1",
        "[]",
        "[]",
    ),
    ("N2", "news", "politics", "Vote count begins", "", "https://x/2", "[]", "[]"),
    ("N3", "finance", "markets", "Stocks rally on Friday", "Markets rose sharply.", "", "", ""),
    ("N4", "travel", "", "Ten quiet beaches", "Sand and sun.", "", "", ""),
    ("N5", "foodanddrink", "", "Best pancakes in town", "", "", "", ""),
    ("N6", "health", "", "Sleep more, live longer", "A new study.", "", "", ""),
    ("N7", "autos", "", "Electric cars get cheaper", "Prices fall.", "", "", ""),
    ("N8", "", "", "   ", "", "", "", ""),  # no text at all: invalid item
]

#: behaviors.tsv rows: ImpressionID, UserID, Time, History, Impressions
BEHAVIORS = [
    ("1", "U1", "11/12/2019 2:14:46 PM", "N1 N2 N3", "N4-1 N5-0 N6-0"),
    ("2", "U2", "11/13/2019 9:05:01 AM", "", "N1-0 N7-1 N3-1 N5-0"),  # empty history, 2 clicks
    ("3", "U3", "11/14/2019 12:00:00 AM", "N2", "N6-1"),  # click is the only candidate
    ("4", "U1", "11/14/2019 11:59:59 PM", "N1 N2 N3", "N2-0 N3-0 N4-0 N5-0 N6-0 N7-1"),
    (
        "5",
        "U4",
        "11/15/2019 1:00:00 PM",
        "N4 N9 N4 N5",
        "N1-0 N8-1 N2-0",
    ),  # N9 unknown, N8 textless
]


def write_mind(directory: Path, news=NEWS, behaviors=BEHAVIORS) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "news.tsv").write_text("".join(TAB.join(r) + "\n" for r in news), encoding="utf-8")
    (directory / "behaviors.tsv").write_text(
        "".join(TAB.join(r) + "\n" for r in behaviors), encoding="utf-8"
    )
    return directory


BOOKS = [  # book_id, title
    ("1", "The Hunger Games (The Hunger Games, #1)"),
    ("2", "Dune"),
    ("3", "Emma"),
    ("4", "Ulysses"),
    ("5", "Matilda"),
    ("6", "Beloved"),
    ("7", "Persuasion"),
    ("9", ""),
]
DESCRIPTIONS = [
    ("1", "A girl volunteers.\nSecond line of the blurb."),
    ("2", "Spice and sand."),
    ("9", ""),
]  # book 9: no title, no description -> invalid
RATINGS = [  # book_id, user_id, rating (goodbooks order: sorted by book_id)
    ("1", "10", 5),
    ("1", "20", 4),
    ("2", "10", 4),
    ("2", "20", 5),
    ("3", "10", 3),
    ("3", "30", 3),
    ("4", "10", 2),
    ("5", "10", 5),
    ("6", "10", 1),
    ("7", "20", 4),
    ("9", "10", 5),
]


def write_goodbooks(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / "Books.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["book_id", "isbn", "authors", "title", "language_code"])
        for book_id, title in BOOKS:
            w.writerow([book_id, "", "Someone", title, "eng"])
    with open(directory / "book_descriptions.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["book_id", "description"])
        w.writerows(DESCRIPTIONS)
    with open(directory / "Ratings.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["book_id", "user_id", "rating"])
        w.writerows(RATINGS)
    return directory


@lru_cache(maxsize=1)
def shared_tokenizer() -> TextTokenizer:
    return TextTokenizer()


def small_config(**kw) -> TextConfig:
    return TextConfig(**kw).validate()
