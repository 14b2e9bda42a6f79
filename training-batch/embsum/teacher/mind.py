"""Minimal MIND readers for the CLI: news.tsv -> items, behaviors.tsv -> user histories.

news.tsv: TAB separated, no header: NewsID, Category, SubCategory, Title, Abstract, URL,
TitleEntities, AbstractEntities. behaviors.tsv: ImpressionID, UserID, Time, History (space
separated news ids, oldest first), Impressions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from embsum.teacher.items import EngagedItem


def read_news(path: str | Path) -> dict[str, EngagedItem]:
    """news.tsv -> items by NewsID (the first row wins for a repeated id)."""
    items: dict[str, EngagedItem] = {}
    with open(path, encoding="utf-8", newline="") as fh:
        for n, line in enumerate(fh, 1):
            cols = line.rstrip("\r\n").split("\t")
            if len(cols) != 8:
                raise ValueError(f"{path}:{n}: expected 8 TAB-separated columns (MIND news.tsv), got {len(cols)}")
            news_id, category, _subcategory, title, abstract = cols[:5]
            if news_id and news_id not in items:
                items[news_id] = EngagedItem(news_id, title or None, abstract or None, category or None)
    return items


@dataclass
class UserHistories:
    users: list[tuple[str, list[EngagedItem]]] = field(default_factory=list)
    unknown_items: int = 0  # history ids missing from news.tsv (left out)


def read_user_histories(path: str | Path, news: dict[str, EngagedItem], max_users: int) -> UserHistories:
    """The first ``max_users`` distinct users of behaviors.tsv, each with the History of their
    first row (oldest -> newest), ids missing from ``news`` left out."""
    out = UserHistories()
    seen: set[str] = set()
    with open(path, encoding="utf-8", newline="") as fh:
        for n, line in enumerate(fh, 1):
            if len(out.users) >= max_users:
                break
            cols = line.rstrip("\r\n").split("\t")
            if len(cols) != 5:
                raise ValueError(f"{path}:{n}: expected 5 TAB-separated columns (MIND behaviors.tsv), got {len(cols)}")
            user_id, history = cols[1], cols[3]
            if user_id in seen:
                continue
            seen.add(user_id)
            items = []
            for news_id in history.split():
                item = news.get(news_id)
                if item is None:
                    out.unknown_items += 1
                else:
                    items.append(item)
            out.users.append((user_id, items))
    return out
