"""The paper's teacher prompt (EmbSum, Figure 2 and appendix A), news and book variants.

The news text is the English prompt of Figure 2 word for word, as quoted in
reference/embsum-blog-zh.md, with two reconstructions (docs/teacher-summaries.md):

* The quote's heading "# Task Requiremen" is a transcription typo; we use "# Task Requirement".
* The figure is an image, so line breaks are ours: one blank line between sections, one line
  per history item. The figure's items show only title and abstract (its lines are cut off with
  "...."), but its instruction and appendix A say each item has title, abstract *and category*,
  so every line ends with a ``<News Category>`` clause.

The book variant (Goodreads) swaps the nouns as appendix A describes (positively rated books,
title and description, "book reading interests"). ``[INST]``/``[/INST]`` are kept literally as in
the figure (the paper used Mixtral-8x22B-Instruct); a chat endpoint wraps the whole text in its
own chat template as one user message.

Bump :data:`PROMPT_VERSION` whenever the produced text changes in any way: it is part of the
cache key, so old summaries are then regenerated instead of silently reused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from embsum.teacher.history import PromptHistory, check_domain, prepare_history
from embsum.teacher.items import EngagedItem

#: Version of the prompt text and of the history rules feeding it (cache-key component).
PROMPT_VERSION = "fig2-v1"

#: The line that ends the prompt; a model that repeats it has it removed from the answer.
SUMMARY_HEADING = "# Summary of user interest:"


@dataclass(frozen=True)
class PromptTemplate:
    """The fixed parts of one domain's prompt."""

    instruction: str
    history_heading: str
    title_label: str
    abstract_label: str
    category_label: str | None
    request: str


NEWS_TEMPLATE = PromptTemplate(
    instruction=(
        "[INST] You are a news recommendation assistant. To help the ranking system recommend "
        "more relevant news to users, your task is to identify user interests based on user's "
        "news engagement history.\n"
        "You are asked to summarize user interest based on his/her browsed news history list. "
        "Each browsed news is in a line and contains news title, abstract and category name."
    ),
    history_heading="### History of user browsed news",
    title_label="<News Title>",
    abstract_label="<News Abstract>",
    category_label="<News Category>",
    request=(
        "Now, please provide a concise and accurate summary of the user's news interests in "
        "three sentences. You do not need to give particular examples. [/INST]"
    ),
)

BOOK_TEMPLATE = PromptTemplate(
    instruction=(
        "[INST] You are a book recommendation assistant. To help the ranking system recommend "
        "more relevant books to users, your task is to identify user interests based on user's "
        "book engagement history.\n"
        "You are asked to summarize user interest based on his/her positively rated book history "
        "list. Each positively rated book is in a line and contains book title and description."
    ),
    history_heading="### History of user positively rated books",
    title_label="<Book Title>",
    abstract_label="<Book Description>",
    category_label=None,
    request=(
        "Now, please provide a concise and accurate summary of the user's book reading interests "
        "in three sentences. You do not need to give particular examples. [/INST]"
    ),
)

TEMPLATES = {"news": NEWS_TEMPLATE, "book": BOOK_TEMPLATE}


def history_line(n: int, item: EngagedItem, template: PromptTemplate) -> str:
    """``- n. <News Title>: ...; <News Abstract>: ...; <News Category>: ...`` (missing clauses dropped)."""
    clauses = []
    if item.title is not None:
        clauses.append(f"{template.title_label}: {item.title}")
    if item.abstract is not None:
        clauses.append(f"{template.abstract_label}: {item.abstract}")
    if template.category_label is not None and item.category is not None:
        clauses.append(f"{template.category_label}: {item.category}")
    return f"- {n}. " + "; ".join(clauses)


def build_prompt(history: PromptHistory | Sequence[EngagedItem], domain: str | None = None) -> str:
    """The full prompt for one user.

    ``history`` is a :class:`PromptHistory` (its own domain is used) or a plain sequence of
    items **oldest -> newest**, which is prepared first (dedupe, newest 60, most recent first,
    100-word cut) for ``domain`` (default ``"news"``). Raises ``ValueError`` for an empty history:
    there is nothing to summarise.
    """
    if not isinstance(history, PromptHistory):
        history = prepare_history(history, domain or "news")
    elif domain is not None and domain != history.domain:
        raise ValueError(f"history was prepared for domain {history.domain!r}, not {domain!r}")
    template = TEMPLATES[check_domain(history.domain)]
    if not history.items:
        raise ValueError("cannot build a teacher prompt for an empty history")
    lines = [
        template.instruction,
        "",
        "# Input",
        template.history_heading,
        *(history_line(n, item, template) for n, item in enumerate(history.items, 1)),
        "",
        "# Task Requirement",
        template.request,
        "",
        SUMMARY_HEADING,
    ]
    return "\n".join(lines)
