"""Reader of the event archive: the Avro files the Flink archive job writes from Kafka.

Layout (docs/data.md, "Event archive")::

    <archive>/<topic>/dt=YYYY-MM-DD/<part files>

    topic        record        dt = the record's UTC date of
    clicks       ClickEvent    event_time
    impressions  Impression    event_time
    content      ContentItem   updated_at (its only time field: when this version was produced)

A part file is an Avro object container file (writer schema in its header), e.g.
``part-<uuid>-<n>.avro``; any name works. Files whose name starts with ``.`` (the FileSink's
in-progress and pending files, ``.part-...inprogress...``) or ``_`` (``_SUCCESS`` markers) are
not finished data and are skipped (counted). Records are read with the project's current schema
(schemas/src/main/avro) as the *reader* schema, so files written with any compatible schema
version resolve to the fields this code knows (Avro schema resolution), and a file of the wrong
record type in a topic directory is refused with its path.

What the reader settles, so the trainer does not have to:

- redeliveries: Kafka delivery is at-least-once, so a ClickEvent is kept once per ``event_id``
  and an Impression once per ``impression_id`` (the first read wins; duplicates are counted);
- content versions: the ``content`` topic holds every version of an item; the latest
  ``updated_at`` wins (ties: the last read), and an item whose latest version is ``deleted`` has
  no text, exactly as the streaming job drops it;
- the day of a record is its own UTC date, not its directory's (a mismatch is counted in
  ``stats["partition_mismatch"]``: records in the wrong ``dt=`` still count, on their real day).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import fastavro

from embsum.wire.schemas import NAMESPACE
from embsum.wire.single_object import codec

#: topic directory -> record type (the default Kafka topic names, docs/design.md 2).
TOPICS: dict[str, str] = {
    "clicks": "ClickEvent",
    "impressions": "Impression",
    "content": "ContentItem",
}

PARTITION_PREFIX = "dt="


class ArchiveError(ValueError):
    """The archive cannot be read or cannot give a training set; the message names the path and
    what to do."""


@dataclass(frozen=True, slots=True)
class ArchivedClick:
    event_id: str
    user_id: str
    item_id: str
    time: datetime  # UTC, timezone-aware
    action: str  # CLICK | RATE
    rating: int | None
    impression_id: str | None

    @property
    def is_engagement(self) -> bool:
        """docs/design.md 3: a CLICK, or a RATE with rating > 3 (the only clicks that enter
        histories and label impressions)."""
        return self.action == "CLICK" or (
            self.action == "RATE" and self.rating is not None and self.rating > 3
        )


@dataclass(frozen=True, slots=True)
class ArchivedImpression:
    impression_id: str
    user_id: str
    item_ids: tuple[str, ...]  # shown, in display order
    time: datetime  # UTC, timezone-aware

    @property
    def day(self) -> date:
        return self.time.date()


@dataclass(frozen=True, slots=True)
class ArchivedContent:
    item_id: str
    domain: str  # news | book
    title: str
    abstract: str | None
    category: str | None
    subcategory: str | None
    updated_at: datetime
    deleted: bool


@dataclass
class EventArchive:
    root: Path
    impressions: list[ArchivedImpression]
    clicks: list[ArchivedClick]
    content: dict[str, ArchivedContent]  # latest version per item (deleted ones included)
    stats: dict[str, Any] = field(default_factory=dict)

    def impression_days(self) -> list[date]:
        return sorted({imp.day for imp in self.impressions})


def _partition_date(directory: Path) -> date | None:
    name = directory.name
    if not name.startswith(PARTITION_PREFIX):
        return None
    try:
        return date.fromisoformat(name[len(PARTITION_PREFIX) :])
    except ValueError:
        return None


def part_files(
    root: Path, topic: str, stats: dict[str, Any] | None = None
) -> list[tuple[date, Path]]:
    """Finished part files of one topic, as (partition date, path), sorted by date then name.

    Hidden (``.``) and marker (``_``) files are skipped; a directory under the topic that is not
    ``dt=YYYY-MM-DD`` is an error (a wrong layout should not silently give no data)."""
    topic_dir = root / topic
    out: list[tuple[date, Path]] = []
    if not topic_dir.is_dir():
        return out
    for part in sorted(topic_dir.iterdir()):
        if part.name.startswith((".", "_")):
            continue
        day = _partition_date(part) if part.is_dir() else None
        if day is None:
            raise ArchiveError(
                f"{part}: expected only dt=YYYY-MM-DD directories under {topic_dir} "
                "(the archive layout is <archive>/<topic>/dt=YYYY-MM-DD/<part files>)"
            )
        for f in sorted(part.iterdir()):
            if f.name.startswith((".", "_")):
                if stats is not None:
                    stats["files_skipped"] = stats.get("files_skipped", 0) + 1
                continue
            if f.is_file():
                out.append((day, f))
    return out


def read_part(path: Path, record_type: str) -> Iterator[dict[str, Any]]:
    """Records of one Avro container file, resolved to the current ``record_type`` schema."""
    reader_schema = codec(record_type).schema
    try:
        with open(path, "rb") as fh:
            reader = fastavro.reader(fh)
            writer_name = (
                reader.writer_schema.get("name") if isinstance(reader.writer_schema, dict) else None
            )
            want = f"{NAMESPACE}.{record_type}"
            if writer_name != want:
                raise ArchiveError(
                    f"{path}: holds {writer_name or 'non-record'} records, expected {want} "
                    f"(the {path.parent.parent.name}/ directory is for {record_type} only)"
                )
            fh.seek(0)
            yield from fastavro.reader(fh, reader_schema=reader_schema)
    except ArchiveError:
        raise
    except Exception as e:  # noqa: BLE001 - fastavro raises many types for truncated or corrupt files
        raise ArchiveError(
            f"{path}: not a readable Avro object container file of {record_type} "
            f"({type(e).__name__}: {e}); a finished part file must be complete: remove or "
            "repair it"
        ) from None


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


def read_archive(root: str | Path) -> EventArchive:
    """Every finished record of the three topics (module docstring for the rules)."""
    root = Path(root)
    if not root.is_dir():
        raise ArchiveError(
            f"{root}: no such archive directory (expected <archive>/clicks|impressions|content/"
            "dt=YYYY-MM-DD/<part files>)"
        )
    stats: dict[str, Any] = {
        "files": {},
        "records": {},
        "duplicates": {},
        "partition_mismatch": 0,
        "files_skipped": 0,
    }
    files = {topic: part_files(root, topic, stats) for topic in TOPICS}
    for topic, fs in files.items():
        stats["files"][topic] = len(fs)
    if not any(files.values()):
        raise ArchiveError(
            f"{root}: the archive is empty: no finished part files under "
            f"{', '.join(t + '/dt=*/' for t in TOPICS)} (files starting with '.' are in progress "
            "and skipped); is the archive job running and has it checkpointed?"
        )

    def records(topic: str):
        n = 0
        for day, path in files[topic]:
            for rec in read_part(path, TOPICS[topic]):
                n += 1
                yield day, rec
        stats["records"][topic] = n

    def first_copies(topic: str, key: str):
        """records(topic) without the repeats of an id seen before (a topic may deliver a record
        more than once), counted in stats["duplicates"]."""
        seen: set[str] = set()
        dup = 0
        for day, rec in records(topic):
            if rec[key] in seen:
                dup += 1
                continue
            seen.add(rec[key])
            yield day, rec
        stats["duplicates"][topic] = dup

    impressions: list[ArchivedImpression] = []
    for day, r in first_copies("impressions", "impression_id"):
        imp = ArchivedImpression(
            r["impression_id"], r["user_id"], tuple(r["item_ids"]), _utc(r["event_time"])
        )
        stats["partition_mismatch"] += imp.day != day
        impressions.append(imp)

    clicks: list[ArchivedClick] = []
    for day, r in first_copies("clicks", "event_id"):
        c = ArchivedClick(
            r["event_id"],
            r["user_id"],
            r["item_id"],
            _utc(r["event_time"]),
            r["action"],
            r.get("rating"),
            r.get("impression_id"),
        )
        stats["partition_mismatch"] += c.time.date() != day
        clicks.append(c)

    content: dict[str, ArchivedContent] = {}
    versions = 0
    for day, r in records("content"):
        versions += 1
        item = ArchivedContent(
            r["item_id"],
            r["domain"],
            r["title"],
            r.get("abstract"),
            r.get("category"),
            r.get("subcategory"),
            _utc(r["updated_at"]),
            bool(r["deleted"]),
        )
        stats["partition_mismatch"] += item.updated_at.date() != day
        old = content.get(item.item_id)
        if old is None or item.updated_at >= old.updated_at:
            content[item.item_id] = item
    stats["duplicates"]["content_versions"] = versions - len(content)
    stats["content_deleted"] = sum(c.deleted for c in content.values())
    return EventArchive(root, impressions, clicks, content, stats)
