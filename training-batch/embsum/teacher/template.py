"""The offline fallback teacher: a deterministic three-sentence summary built from the history.

Used when no LLM endpoint is available. Its summaries are always labelled ``kind="template"``
(in the cache, in exported files and, through the trainer, in the bundle manifest), so nobody
mistakes them for LLM summaries.

News: top categories (by count; ties broken by the most recent occurrence, then by name) and
the most recent titles::

    The user mostly reads news about sports, finance and lifestyle. Recent reads include "X",
    "Y" and "Z". Other interests: autos and TV.

Books: this project's items carry no genres (docs/design.md 3: books have title and description), so
the book summary uses what is present — the count and the titles of the rated books.
"""

from __future__ import annotations

from collections import Counter

from embsum.teacher.history import PromptHistory
from embsum.teacher.summary import KIND_TEMPLATE, Summary, summary_now

#: Bump when the produced text changes (it is in the model name, hence in the cache key).
TEMPLATE_VERSION = 1
TEMPLATE_MODEL = f"embsum-template-v{TEMPLATE_VERSION}"

TOP_CATEGORIES = 3
OTHER_CATEGORIES = 3
RECENT_TITLES = 3
EARLIER_TITLES = 2
#: Titles are cut to this many words so three of them fit the decoder's 128-token summary cap.
MAX_TITLE_WORDS = 12

#: MIND category ids that do not read well in a sentence.
CATEGORY_NAMES = {
    "news": "current events",
    "foodanddrink": "food & drink",
    "musicvideos": "music videos",
    "tv": "TV",
    "middleeast": "the Middle East",
    "northamerica": "North America",
}


def join_words(words: list[str]) -> str:
    """``a`` / ``a and b`` / ``a, b and c``."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def ranked_categories(history: PromptHistory) -> list[str]:
    """Categories by count (desc), then most recent occurrence, then name."""
    counts: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    for position, item in enumerate(history.items):  # most recent first
        if item.category is None:
            continue
        counts[item.category] += 1
        first_seen.setdefault(item.category, position)
    return sorted(counts, key=lambda c: (-counts[c], first_seen[c], c))


def recent_titles(history: PromptHistory) -> list[str]:
    """Distinct titles, most recent first, cut to :data:`MAX_TITLE_WORDS` words."""
    titles: list[str] = []
    for item in history.items:
        if item.title is None:
            continue
        words = item.title.split(" ")
        title = (
            item.title
            if len(words) <= MAX_TITLE_WORDS
            else " ".join(words[:MAX_TITLE_WORDS]) + "..."
        )
        if title not in titles:
            titles.append(title)
    return titles


def quoted(titles: list[str]) -> str:
    return join_words([f'"{t}"' for t in titles])


def template_text(history: PromptHistory) -> str:
    """The template summary for ``history`` (always three sentences)."""
    news = history.domain == "news"
    if not history.items:
        if news:
            return "The user has no news reading history yet. No recent reads are available. Their interests are unknown."
        return "The user has not rated any books positively yet. No recent favourites are available. Their reading interests are unknown."

    categories = [CATEGORY_NAMES.get(c, c) for c in ranked_categories(history)]
    titles = recent_titles(history)
    n = len(history.items)

    if categories:
        noun = "news" if news else "books"
        first = f"The user mostly reads {noun} about {join_words(categories[:TOP_CATEGORIES])}."
    elif news:
        first = f"The user has read {n} news article{'s' if n != 1 else ''} without category information."
    else:
        first = f"The user has rated {n} book{'s' if n != 1 else ''} positively."

    recent_label = "Recent reads" if news else "Recent favourites"
    second = (
        f"{recent_label} include {quoted(titles[:RECENT_TITLES])}."
        if titles
        else "No recent titles are available."
    )

    others = categories[TOP_CATEGORIES : TOP_CATEGORIES + OTHER_CATEGORIES]
    earlier = titles[RECENT_TITLES : RECENT_TITLES + EARLIER_TITLES]
    if others:
        third = f"Other interests: {join_words(others)}."
    elif earlier:
        third = f"{'Earlier reads' if news else 'Earlier favourites'} include {quoted(earlier)}."
    else:
        third = "No other interests stand out."
    return f"{first} {second} {third}"


class TemplateTeacher:
    """Deterministic offline teacher; see the module docstring. Thread-safe (stateless)."""

    kind = KIND_TEMPLATE
    model = TEMPLATE_MODEL

    def summarize(self, history: PromptHistory) -> Summary:
        return summary_now(self, template_text(history))

    def __repr__(self) -> str:
        return f"TemplateTeacher(model={self.model!r})"
