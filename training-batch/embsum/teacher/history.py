"""The history a teacher sees: deduplicated, newest ``max_items``, most recent FIRST, cleaned.

Callers pass a user's engagements oldest -> newest, the order used everywhere else in the project
(``UserEmbedding.history_item_ids``, MIND's History column). :func:`prepare_history` applies the
model's history rule (docs/design.md 4: a repeat moves the item to the newest position, latest 60
kept), then reverses to the paper's prompt order (appendix A: "ordered from the most recent to the
oldest") and cleans the text. The prompt, the template teacher and the cache key all work from this
one object, so they always agree on what the teacher saw.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Iterable

from embsum.teacher.errors import TeacherConfigError
from embsum.teacher.items import MAX_TEXT_WORDS, EngagedItem, cut_words, one_line

#: Domains, named as in the ContentItem record (docs/design.md 3).
DOMAINS = ("news", "book")

#: At most this many engagements go into a prompt (paper appendix A; docs/design.md 4: H = 60).
MAX_HISTORY_ITEMS = 60


def check_domain(domain: str) -> str:
    if domain not in DOMAINS:
        raise TeacherConfigError(f"unknown domain {domain!r}: use one of {', '.join(DOMAINS)}")
    return domain


@dataclass(frozen=True)
class PromptHistory:
    """A prepared history: ``items`` most recent first, text cleaned and cut, no textless items.

    Build it with :func:`prepare_history`; the teachers take this type, not raw item lists, so
    the order convention cannot be mixed up.
    """

    domain: str
    items: tuple[EngagedItem, ...]

    def __len__(self) -> int:
        return len(self.items)

    def sha256(self) -> str:
        """Hex sha256 of the domain and every item's id and texts, in prompt order.

        Part of the cache key: any change to what the teacher sees (an item added, removed,
        reordered, or its text edited) gives a new hash.
        """
        payload = {
            "domain": self.domain,
            "items": [[i.item_id, i.title, i.abstract, i.category] for i in self.items],
        }
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return hashlib.sha256(data).hexdigest()


def prepare_history(
    items_oldest_first: Iterable[EngagedItem],
    domain: str = "news",
    *,
    max_items: int = MAX_HISTORY_ITEMS,
    max_words: int = MAX_TEXT_WORDS,
) -> PromptHistory:
    """Apply the history rule and return the items most recent first (see the module docstring).

    Text: every field is put on one line (whitespace runs -> one space); the abstract or
    description is cut to ``max_words`` words; books drop ``category`` (the book prompt has no
    category clause). An item with neither title nor abstract/description carries nothing to
    summarise and is left out (after the ``max_items`` window, so the window matches the
    model's).
    """
    check_domain(domain)
    if max_items < 1:
        raise TeacherConfigError(f"max_items must be >= 1, got {max_items}")
    latest: dict[str, EngagedItem] = {}
    for item in items_oldest_first:
        if not isinstance(item, EngagedItem):
            raise TypeError(f"history items must be EngagedItem, got {type(item).__name__}")
        latest.pop(item.item_id, None)  # a repeat moves the item to the newest position
        latest[item.item_id] = item
    window = list(latest.values())[-max_items:]
    prepared: list[EngagedItem] = []
    for item in reversed(window):
        title = one_line(item.title)
        abstract = cut_words(item.abstract, max_words)
        category = one_line(item.category) if domain == "news" else None
        if title is None and abstract is None:
            continue
        prepared.append(EngagedItem(item.item_id, title, abstract, category))
    return PromptHistory(domain=domain, items=tuple(prepared))
