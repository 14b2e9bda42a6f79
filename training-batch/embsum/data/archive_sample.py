"""Build an event archive from a MIND directory (tests, demos, a first retrain without Kafka).

    python -m embsum.data.archive_sample --out build/archive-sample [--mind data/mind]
        [--max-impressions-per-day N] [--max-history N] [--until YYYY-MM-DD] [--all-news]

The archive has the layout the Flink archive job writes (embsum.data.archive): Avro object
container files with the project's schemas under ``<out>/<topic>/dt=YYYY-MM-DD/``. A MIND
behaviors row becomes records as docs/design.md 3 says (one behaviors row = one Impression plus
its clicks):

- ``Impression``: ImpressionID, UserID, the candidates in shown order, Time read as UTC (MIND
  names no zone). The sample's rows span 2019-11-09 .. 2019-11-14 (6 days).
- ``ClickEvent`` (CLICK) per clicked candidate, naming the impression, 1 s, 2 s, ... after it.
- the user's History column (clicks from before the behaviors period, no times in MIND): CLICKs
  without an impression on the day before the earliest impression, 1 s apart in History order,
  once per user (MIND repeats the same History in every row of a user).
- ``ContentItem`` (domain news) per news.tsv row that some written record refers to (all rows
  with ``--all-news``), ``updated_at`` = midnight of that same earlier day.

So the archived history of an impression is the MIND History plus the user's clicks on earlier
impressions of the sample, which is what the streaming job would have seen.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable, Sequence

import fastavro

from embsum.argtypes import positive_int
from embsum.data.archive import TOPICS
from embsum.data.mind import Impression, read_mind_behaviors, read_mind_news
from embsum.text.paths import MIND_DIR
from embsum.wire import single_object


def utc(t: datetime) -> datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=timezone.utc)


def write_part(path: Path, record_type: str, records: Iterable[dict[str, Any]]) -> int:
    """One Avro object container file of ``record_type`` records (current schema); returns the count."""
    records = list(records)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fastavro.writer(fh, single_object.codec(record_type).schema, records, codec="deflate")
    return len(records)


def day_of(topic: str, record: dict[str, Any]) -> str:
    """The ``dt=`` partition of a record: its UTC date (updated_at for content)."""
    t = record["updated_at" if topic == "content" else "event_time"]
    return utc(t).date().isoformat()


def write_archive(
    out: str | Path, records: dict[str, list[dict[str, Any]]], files_per_day: int = 1
) -> dict[str, int]:
    """Write ``{topic: records}`` as ``<out>/<topic>/dt=<date>/part-<uuid>-<n>.avro`` (FileSink names,
    the uuid derived from topic and day so reruns give the same names). Returns part files per topic."""
    out = Path(out)
    written: dict[str, int] = {}
    for topic, recs in records.items():
        by_day: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in recs:
            by_day[day_of(topic, r)].append(r)
        n_files = 0
        for day, day_recs in sorted(by_day.items()):
            tag = uuid.uuid5(uuid.NAMESPACE_URL, f"embsum-archive/{topic}/{day}")
            chunks = [day_recs[i::files_per_day] for i in range(files_per_day)]
            for n, chunk in enumerate(c for c in chunks if c):
                write_part(out / topic / f"dt={day}" / f"part-{tag}-{n}.avro", TOPICS[topic], chunk)
                n_files += 1
        written[topic] = n_files
    return written


def select_rows(rows: Sequence[Impression], max_per_day: int | None = None) -> list[Impression]:
    """The first ``max_per_day`` rows of each date (file order), or all rows."""
    if max_per_day is None:
        return list(rows)
    kept: dict[object, int] = defaultdict(int)
    out = []
    for r in rows:
        if kept[r.time.date()] < max_per_day:
            kept[r.time.date()] += 1
            out.append(r)
    return out


def mind_records(
    rows: Sequence[Impression],
    news: dict,
    *,
    all_news: bool = False,
    max_history: int | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """ClickEvent, Impression and ContentItem records (module docstring) of MIND ``rows``;
    ``max_history`` keeps only the newest that many History clicks per user (smaller tests)."""
    if not rows:
        raise ValueError("no behaviors rows to convert")
    before = datetime.combine(
        min(r.time for r in rows).date() - timedelta(days=1), time(0), timezone.utc
    )
    impressions, clicks = [], []
    history_written: set[str] = set()
    referenced: set[str] = set()
    for r in rows:
        t = utc(r.time)
        impressions.append(
            {
                "impression_id": r.impression_id,
                "user_id": r.user_id,
                "item_ids": list(r.candidates),
                "event_time": t,
            }
        )
        referenced.update(r.candidates)
        for k, item in enumerate(r.clicked):
            clicks.append(
                {
                    "event_id": f"{r.impression_id}:{k}:{item}",
                    "user_id": r.user_id,
                    "item_id": item,
                    "event_time": t + timedelta(seconds=k + 1),
                    "action": "CLICK",
                    "rating": None,
                    "impression_id": r.impression_id,
                }
            )
        if r.user_id not in history_written:
            history_written.add(r.user_id)
            history = r.history if max_history is None else r.history[-max_history:]
            referenced.update(history)
            for i, item in enumerate(history):
                clicks.append(
                    {
                        "event_id": f"history:{r.user_id}:{i}",
                        "user_id": r.user_id,
                        "item_id": item,
                        "event_time": before + timedelta(seconds=i + 1),
                        "action": "CLICK",
                        "rating": None,
                        "impression_id": None,
                    }
                )
    content = [
        {
            "item_id": n.news_id,
            "domain": "news",
            "title": n.title,
            "abstract": n.abstract or None,
            "category": n.category or None,
            "subcategory": n.subcategory or None,
            "updated_at": before,
            "deleted": False,
        }
        for i, n in news.items()
        if all_news or i in referenced
    ]
    return {"impressions": impressions, "clicks": clicks, "content": content}


def build_sample_archive(
    out: str | Path,
    mind_dir: str | Path = MIND_DIR,
    *,
    max_impressions_per_day: int | None = None,
    max_history: int | None = None,
    all_news: bool = False,
    until: date | None = None,
) -> dict[str, Any]:
    """Write the archive of a flat MIND directory (news.tsv + behaviors.tsv); returns counts.
    ``until``: only rows up to that date (an archive as it was on that day)."""
    mind_dir = Path(mind_dir)
    rows = select_rows(
        [
            r
            for r in read_mind_behaviors(mind_dir / "behaviors.tsv")
            if r.labels is not None and (until is None or r.time.date() <= until)
        ],
        max_impressions_per_day,
    )
    records = mind_records(
        rows, read_mind_news(mind_dir / "news.tsv"), all_news=all_news, max_history=max_history
    )
    files = write_archive(out, records)
    return {
        "records": {t: len(r) for t, r in records.items()},
        "files": files,
        "days": sorted({r.time.date().isoformat() for r in rows}),
    }


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m embsum.data.archive_sample",
        description="Write an event archive (Avro, <out>/<topic>/dt=YYYY-MM-DD/) from MIND data.",
    )
    p.add_argument(
        "--out", required=True, help="archive directory to write (must not hold an archive yet)"
    )
    p.add_argument(
        "--mind", default=str(MIND_DIR), help="flat MIND directory (default: the repo's data/mind)"
    )
    p.add_argument(
        "--max-impressions-per-day",
        type=positive_int,
        default=None,
        metavar="N",
        help="keep the first N behaviors rows of each day (default: all)",
    )
    p.add_argument(
        "--max-history",
        type=positive_int,
        default=None,
        metavar="N",
        help="keep only the newest N History clicks per user (default: all)",
    )
    p.add_argument(
        "--until",
        type=date.fromisoformat,
        default=None,
        metavar="YYYY-MM-DD",
        help="only behaviors rows up to this date: the archive as it was that day (default: all)",
    )
    p.add_argument(
        "--all-news",
        action="store_true",
        help="write every news.tsv row as content (default: only the news the records refer to)",
    )
    a = p.parse_args(argv)
    out = Path(a.out)
    if any((out / t).exists() for t in TOPICS):
        p.error(f"{out} already holds an archive ({'/'.join(TOPICS)}/); choose a new --out")
    try:
        counts = build_sample_archive(
            out,
            a.mind,
            max_impressions_per_day=a.max_impressions_per_day,
            max_history=a.max_history,
            all_news=a.all_news,
            until=a.until,
        )
    except (FileNotFoundError, ValueError) as e:
        p.error(str(e))
    print(
        f"wrote {out}: {counts['records']} records in {counts['files']} part files, "
        f"impression days {', '.join(counts['days'])}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
