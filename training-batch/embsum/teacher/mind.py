"""MIND files -> teacher inputs for the CLI, on top of the one MIND reader (embsum.data.mind).

Only the conversion lives here: news rows become EngagedItems, and each user's History (oldest
first) becomes the list of items the teacher summarises.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from embsum.data.mind import read_mind_behaviors, read_mind_news
from embsum.teacher.items import EngagedItem


def read_news(path: str | Path) -> dict[str, EngagedItem]:
    """news.tsv -> items by NewsID (the first row wins for a repeated id)."""
    return {
        news_id: EngagedItem(news_id, row.title or None, row.abstract or None, row.category or None)
        for news_id, row in read_mind_news(path).items()
    }


@dataclass
class UserHistories:
    users: list[tuple[str, list[EngagedItem]]] = field(default_factory=list)
    unknown_items: int = 0  # history ids missing from news.tsv (left out)


def read_user_histories(
    path: str | Path, news: dict[str, EngagedItem], max_users: int
) -> UserHistories:
    """The first ``max_users`` distinct users of behaviors.tsv, each with the History of their
    first row (oldest -> newest), ids missing from ``news`` left out."""
    out = UserHistories()
    seen: set[str] = set()
    for row in read_mind_behaviors(path):
        if len(out.users) >= max_users:
            break
        if row.user_id in seen:
            continue
        seen.add(row.user_id)
        items = []
        for news_id in row.history:
            item = news.get(news_id)
            if item is None:
                out.unknown_items += 1
            else:
                items.append(item)
        out.users.append((row.user_id, items))
    return out
