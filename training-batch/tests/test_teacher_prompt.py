"""The paper's prompt (Figure 2 / appendix A): exact text, order, 100-word cut, 60-item cap."""

from __future__ import annotations

import hashlib

import pytest

from embsum.teacher import (
    PROMPT_VERSION,
    EngagedItem,
    TeacherConfigError,
    build_prompt,
    prepare_history,
)

WORDS_120 = " ".join(f"w{i}" for i in range(1, 121))
WORDS_100 = " ".join(f"w{i}" for i in range(1, 101))

# Oldest -> newest, as every caller passes histories.
HISTORY = [
    EngagedItem("N1", "Oldest story", "Short abstract.", "sports"),
    EngagedItem("N2", "Middle\nstory  title", WORDS_120, "finance"),
    EngagedItem("N3", "Newest story", None, None),
]

EXPECTED_NEWS = (
    "[INST] You are a news recommendation assistant. To help the ranking system recommend more "
    "relevant news to users, your task is to identify user interests based on user's news "
    "engagement history.\n"
    "You are asked to summarize user interest based on his/her browsed news history list. Each "
    "browsed news is in a line and contains news title, abstract and category name.\n"
    "\n"
    "# Input\n"
    "### History of user browsed news\n"
    "- 1. <News Title>: Newest story\n"
    f"- 2. <News Title>: Middle story title; <News Abstract>: {WORDS_100}; <News Category>: finance\n"
    "- 3. <News Title>: Oldest story; <News Abstract>: Short abstract.; <News Category>: sports\n"
    "\n"
    "# Task Requirement\n"
    "Now, please provide a concise and accurate summary of the user's news interests in three "
    "sentences. You do not need to give particular examples. [/INST]\n"
    "\n"
    "# Summary of user interest:"
)

EXPECTED_BOOK = (
    "[INST] You are a book recommendation assistant. To help the ranking system recommend more "
    "relevant books to users, your task is to identify user interests based on user's book "
    "engagement history.\n"
    "You are asked to summarize user interest based on his/her positively rated book history "
    "list. Each positively rated book is in a line and contains book title and description.\n"
    "\n"
    "# Input\n"
    "### History of user positively rated books\n"
    "- 1. <Book Title>: Dune; <Book Description>: Desert planet.\n"
    "- 2. <Book Title>: Emma\n"
    "\n"
    "# Task Requirement\n"
    "Now, please provide a concise and accurate summary of the user's book reading interests in "
    "three sentences. You do not need to give particular examples. [/INST]\n"
    "\n"
    "# Summary of user interest:"
)

# sha256 of build_prompt(HISTORY) for each released PROMPT_VERSION. If this test fails, the prompt
# text changed: bump PROMPT_VERSION (cached summaries must not be reused) and pin the new hash.
PINNED_PROMPT_SHA256 = {
    "fig2-v1": "8bd1a45dd17941ef3a974f288bc20245392ec51d07bd009e53368a0cb54c0848",
}


def test_news_prompt_exact_text_most_recent_first_with_100_word_cut() -> None:
    assert build_prompt(HISTORY) == EXPECTED_NEWS


def test_prompt_version_pins_prompt_text() -> None:
    assert PROMPT_VERSION in PINNED_PROMPT_SHA256, "new PROMPT_VERSION: pin its prompt hash here"
    assert (
        hashlib.sha256(build_prompt(HISTORY).encode()).hexdigest()
        == PINNED_PROMPT_SHA256[PROMPT_VERSION]
    )


def test_book_prompt_exact_text_ignores_category() -> None:
    books = [
        EngagedItem.book("B2", "Emma"),
        EngagedItem(
            "B1", "Dune", "Desert\tplanet.", category="sci-fi"
        ),  # category not in book prompt
    ]
    assert build_prompt(books, "book") == EXPECTED_BOOK


def test_history_capped_at_60_newest_items() -> None:
    items = [EngagedItem(f"N{i}", f"title {i}", None, "news") for i in range(65)]
    lines = [l for l in build_prompt(items).splitlines() if l.startswith("- ")]
    assert len(lines) == 60
    assert lines[0] == "- 1. <News Title>: title 64; <News Category>: news"
    assert lines[-1] == "- 60. <News Title>: title 5; <News Category>: news"


def test_abstract_at_exactly_100_words_is_kept_whole() -> None:
    h = prepare_history([EngagedItem("N1", "t", WORDS_100 + "  ", "x")])
    assert h.items[0].abstract == WORDS_100
    h = prepare_history([EngagedItem("N1", "t", WORDS_100 + " extra", "x")])
    assert h.items[0].abstract == WORDS_100


def test_repeat_moves_item_to_most_recent_and_counts_once() -> None:
    items = [EngagedItem("A", "a"), EngagedItem("B", "b"), EngagedItem("A", "a")]
    assert [i.item_id for i in prepare_history(items).items] == ["A", "B"]
    # The cap applies to distinct items, like the model's history window.
    many = [EngagedItem(f"N{i % 61}", f"t{i % 61}") for i in range(122)]
    assert len(prepare_history(many).items) == 60


def test_items_without_text_are_dropped_and_blank_fields_are_missing() -> None:
    items = [
        EngagedItem("N1", "  ", "\n", "sports"),
        EngagedItem("N2", None, "Only an abstract", "  "),
    ]
    lines = [l for l in build_prompt(items).splitlines() if l.startswith("- ")]
    assert lines == ["- 1. <News Abstract>: Only an abstract"]


def test_empty_history_and_unknown_domain_are_refused() -> None:
    with pytest.raises(ValueError, match="empty history"):
        build_prompt([])
    with pytest.raises(TeacherConfigError, match="unknown domain 'video'"):
        build_prompt(HISTORY, "video")
    with pytest.raises(ValueError, match="prepared for domain 'news'"):
        build_prompt(prepare_history(HISTORY, "news"), "book")
