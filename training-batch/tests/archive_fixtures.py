"""Event archives for the archive and retrain tests, and the expectations they are checked against.

`sample_archive` converts rows of the committed MIND sample (data/mind, 6 days: 2019-11-09 ..
2019-11-14) with embsum.data.archive_sample: the first 20 rows of each day among the users who
have rows on two days or more (so histories grow with the clicks of earlier days), History cut
to the newest 8 clicks so the tiny model trains in seconds. `expected_rows` recomputes, from the MIND rows
alone, what the archive reader must give back for every impression.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from embsum.data.archive_sample import mind_records, select_rows, write_archive, write_part
from embsum.data.mind import read_mind_behaviors, read_mind_news
from embsum.text.paths import MIND_DIR

PER_DAY = 20
MAX_HISTORY = 8


def sample_rows():
    """The MIND rows the sample archive holds (module docstring)."""
    rows = read_mind_behaviors(MIND_DIR / "behaviors.tsv")
    days: dict[str, set] = {}
    for r in rows:
        days.setdefault(r.user_id, set()).add(r.time.date())
    return select_rows([r for r in rows if len(days[r.user_id]) > 1], PER_DAY)


def sample_archive(out: Path) -> Path:
    write_archive(
        out,
        mind_records(sample_rows(), read_mind_news(MIND_DIR / "news.tsv"), max_history=MAX_HISTORY),
    )
    return out


def expected_rows() -> dict[str, dict]:
    """impression id -> {day, candidates, labels, history}: history = the user's MIND History
    (newest MAX_HISTORY) + the clicks of the user's earlier impressions (each click 1 s, 2 s, ...
    after its impression), in time order."""
    rows = sample_rows()
    first_history: dict[str, tuple[str, ...]] = {}
    clicks: dict[str, list[tuple[datetime, str]]] = {}
    for r in rows:
        first_history.setdefault(r.user_id, r.history[-MAX_HISTORY:])
        for k, item in enumerate(r.clicked):
            clicks.setdefault(r.user_id, []).append((r.time + timedelta(seconds=k + 1), item))
    out = {}
    for r in rows:
        later = [item for t, item in sorted(clicks.get(r.user_id, [])) if t < r.time]
        out[r.impression_id] = {
            "day": r.time.date().isoformat(),
            "candidates": r.candidates,
            "labels": r.labels,
            "history": first_history[r.user_id] + tuple(later),
            "user": r.user_id,
        }
    return out


# --- a handwritten archive for the reader's rules ----------------------------------------------------
def at(day: int, hour: int = 12, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2024, 3, day, hour, minute, second, tzinfo=timezone.utc)


def click(event_id, user, item, t, impression=None, action="CLICK", rating=None):
    return {
        "event_id": event_id,
        "user_id": user,
        "item_id": item,
        "event_time": t,
        "action": action,
        "rating": rating,
        "impression_id": impression,
    }


def impression(impression_id, user, items, t):
    return {
        "impression_id": impression_id,
        "user_id": user,
        "item_ids": list(items),
        "event_time": t,
    }


def content(item, title, t, deleted=False, abstract=None, category="news"):
    return {
        "item_id": item,
        "domain": "news",
        "title": title,
        "abstract": abstract,
        "category": category,
        "subcategory": None,
        "updated_at": t,
        "deleted": deleted,
    }


def part(root: Path, topic: str, day: str, name: str, record_type: str, records) -> Path:
    path = root / topic / f"dt={day}" / name
    write_part(path, record_type, records)
    return path


#: The record type each topic's part files hold.
RECORD_TYPES = {"clicks": "ClickEvent", "impressions": "Impression", "content": "ContentItem"}


def day_part(root: Path, topic: str, day: str, records) -> Path:
    """`records` as the one part file (p.avro) of `topic` on `day`."""
    return part(root, topic, day, "p.avro", RECORD_TYPES[topic], records)


def handmade_archive(root: Path) -> Path:
    """Three days (2024-03-01 .. 03), user U1 (and U2), items A..G; see test_data_archive.py."""
    items = [
        content("A", "Alpha", at(1, 0)),
        content("B", "Beta", at(1, 0)),
        content("C", "Gamma", at(1, 0)),
        content("D", "Delta", at(1, 0)),
        content("E", "Epsilon", at(1, 0)),
        content("F", "Zeta", at(1, 0)),
        content("G", "Eta", at(1, 0)),
    ]
    part(root, "content", "2024-03-01", "part-c-0.avro", "ContentItem", items)
    # a later version of B (new title) and the deletion of G, on day 2
    part(
        root,
        "content",
        "2024-03-02",
        "part-c-0.avro",
        "ContentItem",
        [content("B", "Beta two", at(2, 0)), content("G", "Eta", at(2, 0), deleted=True)],
    )
    part(
        root,
        "impressions",
        "2024-03-01",
        "part-i-0.avro",
        "Impression",
        [impression("I1", "U1", "ABCD", at(1, 10)), impression("I9", "U2", "AB", at(1, 11))],
    )
    part(
        root,
        "impressions",
        "2024-03-02",
        "part-i-0.avro",
        "Impression",
        [impression("I2", "U1", "CDEFG", at(2, 10))],
    )
    # I3 sits in the wrong partition (dt=2024-03-02) but happened on day 3
    part(
        root,
        "impressions",
        "2024-03-02",
        "part-i-1.avro",
        "Impression",
        [impression("I3", "U1", "ABEF", at(3, 10))],
    )
    part(
        root,
        "clicks",
        "2024-03-01",
        "part-k-0.avro",
        "ClickEvent",
        [
            click("h1", "U1", "E", at(1, 9)),  # history before I1
            click("c1", "U1", "A", at(1, 10, 0, 5), "I1"),  # labels I1:A
            click(
                "r1", "U1", "B", at(1, 10, 0, 6), "I1", "RATE", 2
            ),  # a low rating: not an engagement
            click("c9", "U2", "B", at(1, 11, 0, 1), "I9"),
        ],
    )
    part(
        root,
        "clicks",
        "2024-03-02",
        "part-k-0.avro",
        "ClickEvent",
        [
            click(
                "c1", "U1", "A", at(1, 10, 0, 5), "I1"
            ),  # a redelivery of c1 (other file, same id)
            click("c2", "U1", "F", at(2, 9, 59, 59), "I2"),  # clock skew: before I2 but answers it
            click("r2", "U1", "D", at(2, 10, 0, 3), "I2", "RATE", 5),  # a high rating labels I2:D
            click("x1", "U1", "A", at(2, 10, 0, 4), "I2"),  # names I2 but A was not shown there
            click("c3", "U1", "G", at(2, 11), None),  # G is deleted later: dropped from text
        ],
    )
    part(
        root,
        "clicks",
        "2024-03-03",
        "part-k-0.avro",
        "ClickEvent",
        [click("c4", "U1", "B", at(3, 10, 0, 2), "I3")],
    )
    # not finished data: the FileSink's in-progress file and a marker
    (root / "clicks" / "dt=2024-03-02" / ".part-k-1.avro.inprogress.0123").write_bytes(
        b"half a file"
    )
    (root / "clicks" / "dt=2024-03-02" / "_SUCCESS").write_bytes(b"")
    return root
