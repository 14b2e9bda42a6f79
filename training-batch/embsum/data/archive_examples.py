"""Event archive -> labelled impressions in the MIND row shape -> split by day.

An archived Impression plus the ClickEvents that name it is one MIND behaviors row
(docs/design.md 3):

- candidates: the Impression's ``item_ids`` in display order; label 1 iff an *engagement*
  ClickEvent (a CLICK, or a RATE with rating > 3) names this ``impression_id`` and that item, else
  0 (shown, not clicked = negative);
- history: the user's engagements whose ``event_time`` is strictly before the impression's,
  oldest -> newest (equal times ordered by ``event_id``, so the result does not depend on file
  order), leaving out engagements that answer this very impression (clock skew must not put the
  label into the history). Window, dedupe and ``seq`` then follow the text contract when the
  example is loaded, as for MIND (``seq`` = position in the user's whole archived history).

From there the MIND rules apply unchanged (:func:`mind_train_examples`,
:func:`mind_eval_impressions`): one training example per click with negatives drawn from the same
impression, whole impressions for evaluation. The split is by time, not by user: every day but the
newest trains, the newest day is dev (what the model will meet next is closest to the newest day).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date
from typing import Any, Sequence

from embsum.data.archive import ArchiveError, EventArchive
from embsum.data.mind import Impression


def labelled_impressions(archive: EventArchive) -> tuple[list[Impression], dict[str, int]]:
    """Every archived impression as a labelled :class:`Impression` (module docstring), in time
    order, with counts of the clicks that did not label anything."""
    st = dict.fromkeys(
        (
            "clicks",
            "engagements",
            "clicks_not_engagement",
            "clicks_without_impression",
            "clicks_unknown_impression",
            "clicks_not_shown",
            "labels",
        ),
        0,
    )
    shown = {imp.impression_id: set(imp.item_ids) for imp in archive.impressions}
    clicked: dict[str, set[str]] = {}
    timelines: dict[str, list[tuple[Any, str, str, str | None]]] = {}
    for c in archive.clicks:
        st["clicks"] += 1
        if not c.is_engagement:
            st["clicks_not_engagement"] += 1
            continue
        st["engagements"] += 1
        timelines.setdefault(c.user_id, []).append((c.time, c.event_id, c.item_id, c.impression_id))
        if c.impression_id is None:
            st["clicks_without_impression"] += 1
        elif c.impression_id not in shown:
            st["clicks_unknown_impression"] += 1
        elif c.item_id not in shown[c.impression_id]:
            st["clicks_not_shown"] += 1
        else:
            clicked.setdefault(c.impression_id, set()).add(c.item_id)
    for events in timelines.values():
        events.sort(key=lambda e: (e[0], e[1]))
    times = {u: [e[0] for e in events] for u, events in timelines.items()}
    prefixes: dict[tuple[str, int], tuple[str, ...]] = {}  # identical histories share one tuple

    rows: list[Impression] = []
    for imp in sorted(archive.impressions, key=lambda i: (i.time, i.impression_id)):
        events = timelines.get(imp.user_id, [])
        n = bisect.bisect_left(times.get(imp.user_id, []), imp.time)
        if any(e[3] == imp.impression_id for e in events[:n]):
            history = tuple(e[2] for e in events[:n] if e[3] != imp.impression_id)
        else:
            history = prefixes.get((imp.user_id, n))
            if history is None:
                history = prefixes[(imp.user_id, n)] = tuple(e[2] for e in events[:n])
        hits = clicked.get(imp.impression_id, set())
        labels = tuple(int(i in hits) for i in imp.item_ids)
        st["labels"] += sum(labels)
        rows.append(
            Impression(imp.impression_id, imp.user_id, imp.time, history, imp.item_ids, labels)
        )
    return rows, st


@dataclass
class DaySplit:
    train_days: list[date]
    dev_days: list[date]
    train: list[Impression]
    dev: list[Impression]

    def describe(self) -> str:
        def span(days: Sequence[date]) -> str:
            return (
                days[0].isoformat()
                if len(days) == 1
                else f"{days[0]}..{days[-1]} ({len(days)} days)"
            )

        return f"by day (UTC): train = {span(self.train_days)}, dev = {span(self.dev_days)} (the newest)"


def split_by_day(rows: Sequence[Impression], dev_days: int = 1) -> DaySplit:
    """The newest ``dev_days`` UTC dates of ``rows`` are dev, every earlier date trains."""
    if dev_days < 1:
        raise ValueError(f"dev_days must be >= 1, got {dev_days}")
    days = sorted({r.time.date() for r in rows})
    if not days:
        raise ArchiveError(
            "the archive holds no impressions: training examples are built from the "
            "impressions topic (what was shown) plus the clicks that name them"
        )
    if len(days) <= dev_days:
        raise ArchiveError(
            f"the impressions cover {len(days)} day(s) only ({', '.join(map(str, days))}): the "
            f"newest {dev_days} day(s) are the dev set, so training needs at least "
            f"{dev_days + 1} days of impressions; let the archive collect more days"
        )
    dev = set(days[-dev_days:])
    return DaySplit(
        days[:-dev_days],
        days[-dev_days:],
        [r for r in rows if r.time.date() not in dev],
        [r for r in rows if r.time.date() in dev],
    )
