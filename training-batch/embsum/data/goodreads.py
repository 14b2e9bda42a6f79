"""Goodreads readers: the shipped goodbooks-10k sample and the UCSD Book Graph files.

Both give a :class:`GoodreadsCorpus`: books (id, title, description) and ratings (user, book,
rating 1-5, time or ``None``, file position). Rating rules (paper section 3) are applied by the
example builders, not here; a UCSD rating of 0 ("shelved, not rated") is dropped here because it
is not a rating at all.

goodbooks-10k (data/goodreads, see its PROVENANCE.md): ``Books.csv`` (book_id, title, ...),
``book_descriptions.csv`` (book_id, description; fields may span lines), ``Ratings.csv``
(book_id, user_id, rating). It has **no timestamps**: a user's order is the file order (the file
is sorted by book_id), an approximation of time order.

UCSD Book Graph (Wan & McAuley, RecSys 2018; the paper's Goodreads data), as documented on its
site: interactions as JSON lines, optionally gzipped (``goodreads_interactions_dedup.json.gz`` or
a genre file), one object per line with ``user_id``, ``book_id``, ``rating`` (0-5, 0 = not
rated) and times ``date_added`` / ``date_updated`` / ``read_at`` / ``started_at`` formatted like
``Mon Aug 01 13:41:57 -0700 2016``; or the CSV summary ``goodreads_interactions.csv`` (user_id,
book_id, is_read, rating, is_reviewed; no times) whose integer book ids are mapped back with
``book_id_map.csv`` (book_id_csv, book_id). Books as JSON lines (``goodreads_books.json.gz``)
with ``book_id``, ``title`` and ``description``. A CSV with a header naming ``user_id``,
``book_id``, ``rating`` and optionally ``timestamp`` (epoch seconds/milliseconds or ISO 8601) is
accepted too.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Iterator, Mapping

#: Time fields tried in order when a JSON interaction names no ``time_field``.
UCSD_TIME_FIELDS = ("timestamp", "date_added", "date_updated", "read_at")
UCSD_TIME_FORMAT = "%a %b %d %H:%M:%S %z %Y"


@dataclass(frozen=True)
class Book:
    book_id: str
    title: str | None
    description: str | None


@dataclass(frozen=True)
class Rating:
    user_id: str
    book_id: str
    rating: int  # 1..5
    time: float | None  # epoch seconds; None where the source has no time
    order: int  # position in the source file (tie-break, and the order when time is None)


@dataclass
class GoodreadsCorpus:
    source: str  # "goodbooks-10k" | "ucsd"
    books: dict[str, Book]
    ratings: list[Rating]
    has_timestamps: bool
    dropped: dict[str, int] = field(default_factory=dict)  # e.g. {"rating_0": n}


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def _check_rating(value, where: str) -> int:
    try:
        rating = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: rating {value!r} is not an integer") from None
    if not 0 <= rating <= 5:
        raise ValueError(f"{where}: rating {rating} outside 0..5")
    return rating


# ----------------------------------------------------------------------------------------------
# goodbooks-10k
# ----------------------------------------------------------------------------------------------
def read_goodbooks(directory: str | Path) -> GoodreadsCorpus:
    """Books.csv + book_descriptions.csv + Ratings.csv (goodbooks-10k columns)."""
    directory = Path(directory)
    descriptions: dict[str, str] = {}
    desc_path = directory / "book_descriptions.csv"
    if desc_path.is_file():
        with open(desc_path, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                descriptions[row["book_id"]] = row["description"]
    books: dict[str, Book] = {}
    with open(directory / "Books.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            books[row["book_id"]] = Book(
                row["book_id"], row["title"], descriptions.get(row["book_id"])
            )
    ratings: list[Rating] = []
    dropped = {"rating_0": 0}
    path = directory / "Ratings.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        for n, row in enumerate(csv.DictReader(fh)):
            rating = _check_rating(row["rating"], f"{path}:{n + 2}")
            if rating == 0:
                dropped["rating_0"] += 1
                continue
            ratings.append(Rating(row["user_id"], row["book_id"], rating, None, n))
    return GoodreadsCorpus("goodbooks-10k", books, ratings, False, dropped)


# ----------------------------------------------------------------------------------------------
# UCSD Book Graph
# ----------------------------------------------------------------------------------------------
def parse_time(value) -> float | None:
    """Epoch seconds from a UCSD date string, ISO 8601, or a number (ms if > 1e11); blank -> None."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) / 1000.0 if value > 1e11 else float(value)
    text = str(value).strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        pass
    else:
        return number / 1000.0 if number > 1e11 else number
    for parse in (lambda t: datetime.strptime(t, UCSD_TIME_FORMAT), datetime.fromisoformat):
        try:
            return parse(text).timestamp()
        except ValueError:
            continue
    raise ValueError(
        f"unrecognised time {text!r} (expected e.g. 'Mon Aug 01 13:41:57 -0700 2016',"
        f" ISO 8601 or epoch seconds)"
    )


def _json_lines(path: Path) -> Iterator[tuple[int, dict]]:
    with _open_text(path) as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    yield n, json.loads(line)
                except json.JSONDecodeError as err:
                    raise ValueError(f"{path}:{n}: not a JSON object: {err}") from None


def _is_json(path: Path) -> bool:
    name = path.name[:-3] if path.name.endswith(".gz") else path.name
    return name.endswith(".json") or name.endswith(".jsonl")


def read_ucsd_books(path: str | Path) -> dict[str, Book]:
    """goodreads_books*.json[.gz] (JSON lines) or a CSV with book_id, title, description."""
    path = Path(path)
    books: dict[str, Book] = {}
    if _is_json(path):
        for _, obj in _json_lines(path):
            book_id = str(obj["book_id"])
            title = obj.get("title") or obj.get("title_without_series")
            books.setdefault(book_id, Book(book_id, title, obj.get("description")))
    else:
        with _open_text(path) as fh:
            for row in csv.DictReader(fh):
                books.setdefault(
                    row["book_id"], Book(row["book_id"], row.get("title"), row.get("description"))
                )
    return books


def _read_id_map(path: Path) -> dict[str, str]:
    with _open_text(path) as fh:
        reader = csv.reader(fh)
        next(reader, None)  # header: book_id_csv,book_id
        return {row[0]: row[1] for row in reader if row}


def read_ucsd_goodreads(
    interactions: str | Path,
    books: str | Path,
    *,
    book_id_map: str | Path | None = None,
    time_field: str | None = None,
) -> GoodreadsCorpus:
    """UCSD interactions (JSON lines or CSV) + books -> corpus.

    ``time_field`` picks the JSON time field; by default the first non-blank of
    :data:`UCSD_TIME_FIELDS` (``timestamp``, then ``date_added``: the UCSD files do not record
    when a rating was given, ``date_added`` is the one time every row has). ``book_id_map``
    maps the CSV summary's integer ``book_id`` (book_id_csv) to the books file's ``book_id``.
    Ratings of 0 are dropped (counted in ``dropped['rating_0']``).
    """
    interactions = Path(interactions)
    id_map = _read_id_map(Path(book_id_map)) if book_id_map is not None else None
    ratings: list[Rating] = []
    dropped = {"rating_0": 0}
    with_time = 0
    fields = (time_field,) if time_field else UCSD_TIME_FIELDS

    def add(user, book, rating_value, time_value, order, where):
        nonlocal with_time
        rating = _check_rating(rating_value, where)
        if rating == 0:
            dropped["rating_0"] += 1
            return
        book = str(book)
        if id_map is not None:
            book = id_map.get(book, book)
        try:
            t = parse_time(time_value)
        except ValueError as err:
            raise ValueError(f"{where}: {err}") from None
        with_time += t is not None
        ratings.append(Rating(str(user), book, rating, t, order))

    if _is_json(interactions):
        for order, (n, obj) in enumerate(_json_lines(interactions)):
            t = next((obj[f] for f in fields if obj.get(f) not in (None, "")), None)
            add(
                obj["user_id"],
                obj["book_id"],
                obj.get("rating", 0),
                t,
                order,
                f"{interactions}:{n}",
            )
    else:
        with _open_text(interactions) as fh:
            for order, row in enumerate(csv.DictReader(fh)):
                t = row.get(time_field or "timestamp")
                add(
                    row["user_id"],
                    row["book_id"],
                    row["rating"],
                    t,
                    order,
                    f"{interactions}:{order + 2}",
                )
    return GoodreadsCorpus(
        "ucsd",
        read_ucsd_books(books),
        ratings,
        has_timestamps=bool(ratings) and with_time == len(ratings),
        dropped=dropped,
    )


def load_goodreads(path: str | Path) -> GoodreadsCorpus:
    """A goodbooks-10k directory (Ratings.csv) or a UCSD directory (goodreads_interactions*
    + goodreads_books*, book_id_map.csv used when the interactions are the CSV summary)."""
    path = Path(path)
    if (path / "Ratings.csv").is_file():
        return read_goodbooks(path)
    inter = sorted(p for p in path.glob("goodreads_interactions*") if p.is_file())
    books = sorted(p for p in path.glob("goodreads_books*") if p.is_file())
    if inter and books:
        # prefer the JSON (it has times) over the CSV summary
        inter.sort(key=lambda p: (not _is_json(p), p.name))
        chosen = inter[0]
        id_map = path / "book_id_map.csv"
        use_map = id_map if (not _is_json(chosen) and id_map.is_file()) else None
        return read_ucsd_goodreads(chosen, books[0], book_id_map=use_map)
    raise FileNotFoundError(
        f"{path}: no Goodreads data: expected goodbooks-10k (Books.csv, Ratings.csv) or UCSD files"
        f" (goodreads_interactions*.json[.gz] or .csv, goodreads_books*.json[.gz])"
    )


def user_timelines(corpus: GoodreadsCorpus) -> dict[str, list[Rating]]:
    """Each user's ratings oldest -> newest: by (time, file order) when every rating of the user
    has a time, else by file order (goodbooks-10k: the approximation PROVENANCE.md describes).
    Users are in order of their first rating in the file."""
    by_user: dict[str, list[Rating]] = {}
    for r in corpus.ratings:
        by_user.setdefault(r.user_id, []).append(r)
    for user, rs in by_user.items():
        if all(r.time is not None for r in rs):
            rs.sort(key=lambda r: (r.time, r.order))
        else:
            rs.sort(key=lambda r: r.order)
    return by_user


def timeline_counts(timelines: Mapping[str, list[Rating]]) -> dict[str, int]:
    """Ratings by class (paper rule: > 3 positive, < 3 negative, == 3 unused)."""
    pos = sum(r.rating > 3 for rs in timelines.values() for r in rs)
    neg = sum(r.rating < 3 for rs in timelines.values() for r in rs)
    three = sum(r.rating == 3 for rs in timelines.values() for r in rs)
    return {"users": len(timelines), "positives": pos, "negatives": neg, "rating_3_unused": three}
